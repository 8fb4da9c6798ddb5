package io.nodemesh.proxy.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.VoidChannelPromise;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2ChannelDuplexHandler;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2FrameStreamEvent;
import io.netty.handler.codec.http2.Http2FrameStreamException;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2SettingsFrame;
import io.netty.handler.codec.http2.Http2Stream.State;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.collection.IntObjectMap;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.concurrent.TimeUnit;

/**
 * One HTTP/2 connection to a backend endpoint, shared by every exchange of one event loop that goes
 * there. Its pipeline is Netty's frame codec and one handler: a map from stream id to {@link
 * Http2UpstreamStream}, one per exchange, with no child channel or pipeline per stream. The
 * connection is retired from the pool when it closes or receives GOAWAY (RFC 9113 §6.8); streams
 * already open finish on it.
 */
final class Http2Upstream {
  private static final System.Logger LOG = System.getLogger(Http2Upstream.class.getName());
  static final String FRAME_CODEC = "h2-frames";
  static final String CONNECTION = "h2-connection";

  private final UpstreamPool pool;
  private final String key;
  private final Promise<ChannelHandlerContext> parent;
  private final IntObjectMap<Http2UpstreamStream> byId = new IntObjectHashMap<>();
  private Http2FrameCodec codec;
  private ConnectionHandler handler;
  private ChannelPromise quiet;
  private boolean retired;
  private boolean reading;

  /** Streams opened and not yet ended, including those whose HEADERS are not sent yet. */
  private int streams;

  private static final int ASSUMED_MAX_STREAMS = 100;

  /**
   * @param key the pool's key, or null for a connection that serves one exchange and closes after
   *     it (TLS inside a tunnel's CONNECT stream)
   * @param connected the TCP connection (or, for TLS, the connection after the handshake)
   * @param settingsTimeoutNanos how long to wait for the backend's first SETTINGS frame
   */
  Http2Upstream(UpstreamPool pool, String key, ChannelFuture connected, long settingsTimeoutNanos) {
    this.pool = pool;
    this.key = key;
    this.parent = connected.channel().eventLoop().newPromise();
    connected.addListener(
        (ChannelFuture f) -> {
          if (!f.isSuccess()) {
            retire();
            parent.setFailure(f.cause());
            return;
          }
          Channel ch = f.channel();
          codec =
              Http2FrameCodecBuilder.forClient()
                  .initialSettings(Http2Settings.defaultSettings().pushEnabled(false))
                  // Streams beyond the backend's limit wait for a free slot, not fail.
                  .encoderEnforceMaxConcurrentStreams(true)
                  .build();
          handler = new ConnectionHandler();
          ch.pipeline().addLast(FRAME_CODEC, codec).addLast(CONNECTION, handler);
          // Flow control bounds what the backend may send; the connection itself reads freely.
          ch.config().setAutoRead(true);
          ch.read();
          // Streams open once the backend's SETTINGS are known, so its concurrency limit holds
          // from the first stream (RFC 9113 §3.4); a peer that never sends them is not HTTP/2.
          ch.eventLoop()
              .schedule(
                  () -> {
                    if (parent.tryFailure(
                        new IOException("no HTTP/2 SETTINGS from the backend (is it h2c?)"))) {
                      ch.close();
                    }
                  },
                  settingsTimeoutNanos,
                  TimeUnit.NANOSECONDS);
        });
  }

  /**
   * Whether a new exchange may open a stream here: not retired, and either still connecting or
   * connected, with fewer streams than the backend's SETTINGS_MAX_CONCURRENT_STREAMS (RFC 9113
   * §5.1.2; until its SETTINGS arrive, the 100 that RFC 9113 recommends as a minimum). A full
   * connection keeps serving its streams while the pool opens another beside it.
   */
  boolean usable() {
    if (retired) {
      return false;
    }
    if (!parent.isDone()) {
      return streams < ASSUMED_MAX_STREAMS;
    }
    if (!parent.isSuccess() || !parent.getNow().channel().isActive()) {
      return false;
    }
    return streams < codec.connection().local().maxActiveStreams();
  }

  /** A new stream for one exchange; its HEADERS go out with the exchange's first write. */
  Future<UpstreamLink> openStream() {
    streams++;
    if (parent.isDone()) {
      return open();
    }
    Promise<UpstreamLink> ready = pool.newPromise();
    parent.addListener(
        f -> {
          Future<UpstreamLink> s = open();
          if (s.isSuccess()) {
            ready.setSuccess(s.getNow());
          } else {
            ready.setFailure(s.cause());
          }
        });
    return ready;
  }

  private Future<UpstreamLink> open() {
    if (!parent.isSuccess()) {
      streams--;
      closeIfSpent();
      return pool.newFailedFuture(parent.cause());
    }
    ChannelHandlerContext ctx = parent.getNow();
    return ctx.executor().newSucceededFuture(new Http2UpstreamStream(this, ctx));
  }

  Http2FrameStream newFrameStream() {
    return handler.newStream();
  }

  /** A void promise that drops a failure instead of firing it at the connection's pipeline. */
  ChannelPromise quiet() {
    return quiet;
  }

  void register(int id, Http2UpstreamStream s) {
    byId.put(id, s);
  }

  /** A stream has ended (id 0 if its HEADERS were never written). */
  void ended(Http2UpstreamStream s, int id) {
    if (id > 0 && byId.get(id) == s) {
      byId.remove(id);
    }
    streams--;
    closeIfSpent();
  }

  /** A connection made for one exchange (no pool key) closes when its stream has ended. */
  private void closeIfSpent() {
    if (key == null && streams == 0 && parent.isSuccess()) {
      parent.getNow().close();
    }
  }

  /**
   * Gives a stream's consumed bytes back to the backend's windows (RFC 9113 §6.9). Within a read of
   * the connection the codec flushes at its end; otherwise (the client took a chunk) at once.
   */
  void consumed(Http2FrameStream stream, int bytes) {
    ChannelHandlerContext ctx = parent.getNow();
    ctx.write(new DefaultHttp2WindowUpdateFrame(bytes).stream(stream), quiet);
    if (!reading) {
      ctx.flush();
    }
  }

  private void retire() {
    if (!retired) {
      retired = true;
      pool.retire(key, this);
    }
  }

  /** After the codec: routes stream frames to their streams, and watches the connection. */
  private final class ConnectionHandler extends Http2ChannelDuplexHandler {
    @Override
    protected void handlerAdded0(ChannelHandlerContext ctx) throws Exception {
      quiet = new VoidChannelPromise(ctx.channel(), false);
      Http2UpstreamMessages.INSTANCE.attach(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      reading = true;
      if (msg instanceof Http2StreamFrame f && f.stream() != null) {
        stream(ctx, f);
      } else if (msg instanceof Http2SettingsFrame) {
        parent.trySuccess(ctx);
        ReferenceCountUtil.release(msg);
      } else {
        if (msg instanceof Http2GoAwayFrame) {
          // The codec closes the streams above its last-stream-id; the others finish here.
          retire();
        }
        ReferenceCountUtil.release(msg);
      }
    }

    private void stream(ChannelHandlerContext ctx, Http2StreamFrame f) {
      Http2UpstreamStream s = byId.get(f.stream().id());
      if (s != null && (f instanceof Http2HeadersFrame || f instanceof Http2DataFrame)) {
        s.inbound(f);
        return;
      }
      // RST_STREAM (the stream's close follows as a state event), WINDOW_UPDATE, PRIORITY: the
      // codec has acted on them. A frame of a stream that has ended here is dropped.
      ReferenceCountUtil.release(f);
      if (s == null && f instanceof Http2HeadersFrame && (f.stream().id() & 1) == 0) {
        // Backends do not open streams towards a proxy (server push is disabled): refuse any.
        ctx.writeAndFlush(
            new DefaultHttp2ResetFrame(Http2Error.REFUSED_STREAM).stream(f.stream()), quiet);
      }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      // The codec flushes after this: window updates written in this read go out then.
      reading = false;
      ctx.fireChannelReadComplete();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      retire();
      parent.tryFailure(new IOException("connection closed before HTTP/2 SETTINGS"));
      for (Http2UpstreamStream s : new ArrayList<>(byId.values())) {
        s.codecClosed();
      }
      ctx.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof Http2FrameStreamEvent e) {
        if (e.type() == Http2FrameStreamEvent.Type.State && e.stream().state() == State.CLOSED) {
          Http2UpstreamStream s = byId.get(e.stream().id());
          if (s != null) {
            s.codecClosed();
          }
        }
        return;
      }
      if (evt instanceof IdleStateEvent) {
        if (codec.connection().numActiveStreams() == 0) {
          retire();
          ctx.close();
        }
        return;
      }
      ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (cause instanceof Http2FrameStreamException e) {
        // A stream error: the codec has reset the stream (RFC 9113 §5.4.2); it ends here, the
        // connection goes on.
        Http2UpstreamStream s = byId.get(e.stream().id());
        if (s != null) {
          s.failed(cause);
        }
        return;
      }
      LOG.log(Level.DEBUG, "h2 upstream {0}: {1}", ctx.channel().remoteAddress(), cause.toString());
      retire();
      ctx.close();
    }
  }
}
