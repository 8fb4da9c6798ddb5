package io.nodemesh.proxy.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2SettingsFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.concurrent.TimeUnit;

/**
 * One HTTP/2 connection to a backend endpoint, shared by every exchange of one event loop that goes
 * there: each exchange opens a stream, a child channel that speaks Netty HTTP/1.x objects through
 * {@link Http2StreamFrameToHttpObjectCodec}, exactly like a pooled HTTP/1.1 connection. The
 * connection is retired from the pool when it closes or receives GOAWAY (RFC 9113 §6.8); streams
 * already open finish on it.
 */
final class Http2Upstream {
  private static final System.Logger LOG = System.getLogger(Http2Upstream.class.getName());
  static final String FRAME_CODEC = "h2-frames";
  static final String MULTIPLEX = "h2-streams";
  static final String CONNECTION = "h2-connection";

  private final UpstreamPool pool;
  private final String key;
  private final Promise<Channel> parent;
  private boolean retired;

  /** Streams opened and not yet closed, including those whose HEADERS are not sent yet. */
  private int streams;

  private static final int ASSUMED_MAX_STREAMS = 100;

  /**
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
          ch.pipeline()
              .addLast(
                  FRAME_CODEC,
                  Http2FrameCodecBuilder.forClient()
                      .initialSettings(Http2Settings.defaultSettings().pushEnabled(false))
                      // Streams beyond the backend's limit wait for a free slot, not fail.
                      .encoderEnforceMaxConcurrentStreams(true)
                      .build())
              .addLast(MULTIPLEX, new Http2MultiplexHandler(new RefuseStreams()))
              .addLast(CONNECTION, new ConnectionHandler());
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

  static boolean isStream(Channel ch) {
    return ch instanceof Http2StreamChannel;
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
    if (!parent.isSuccess() || !parent.getNow().isActive()) {
      return false;
    }
    Http2FrameCodec codec = parent.getNow().pipeline().get(Http2FrameCodec.class);
    return codec != null && streams < codec.connection().local().maxActiveStreams();
  }

  /** A new stream whose pipeline ends in an {@link UpstreamHandler}. */
  Future<Channel> openStream() {
    streams++;
    Promise<Channel> ready = pool.newPromise();
    if (parent.isDone()) {
      open(ready);
    } else {
      parent.addListener(f -> open(ready));
    }
    return ready;
  }

  private void open(Promise<Channel> ready) {
    if (!parent.isSuccess()) {
      streams--;
      ready.setFailure(parent.cause());
      return;
    }
    new Http2StreamChannelBootstrap(parent.getNow())
        .handler(
            new ChannelInitializer<Channel>() {
              @Override
              protected void initChannel(Channel ch) {
                ch.config().setAutoRead(false);
                ch.pipeline()
                    .addLast(UpstreamPool.CODEC, new Http2StreamFrameToHttpObjectCodec(false))
                    .addLast(UpstreamPool.HANDLER, new UpstreamHandler());
              }
            })
        .open()
        .addListener(
            (Future<Http2StreamChannel> f) -> {
              if (f.isSuccess()) {
                f.getNow().closeFuture().addListener(c -> streams--);
                ready.setSuccess(f.getNow());
              } else {
                streams--;
                ready.setFailure(f.cause());
              }
            });
  }

  private void retire() {
    if (!retired) {
      retired = true;
      pool.retire(key, this);
    }
  }

  /** Backends do not open streams towards a proxy (server push is disabled); refuse any. */
  private static final class RefuseStreams extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRegistered(ChannelHandlerContext ctx) {
      ctx.close();
    }
  }

  private final class ConnectionHandler extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof Http2SettingsFrame) {
        parent.trySuccess(ctx.channel());
      } else if (msg instanceof Http2GoAwayFrame) {
        retire();
      }
      ReferenceCountUtil.release(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      retire();
      parent.tryFailure(new IOException("connection closed before HTTP/2 SETTINGS"));
      ctx.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof IdleStateEvent) {
        Http2FrameCodec codec = ctx.pipeline().get(Http2FrameCodec.class);
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
      LOG.log(Level.DEBUG, "h2 upstream {0}: {1}", ctx.channel().remoteAddress(), cause.toString());
      retire();
      ctx.close();
    }
  }
}
