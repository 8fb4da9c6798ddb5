package io.nodemesh.proxy.decode;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.VoidChannelPromise;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2FrameStreamEvent;
import io.netty.handler.codec.http2.Http2FrameStreamException;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2Stream.State;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.collection.IntObjectMap;
import io.nodemesh.proxy.routing.Router;
import io.nodemesh.proxy.upstream.HttpProxyContext;
import java.util.ArrayList;

/**
 * The streams of one downstream HTTP/2 connection, right after its frame codec: a map from stream
 * id to {@link Http2Stream}, which runs each stream's request through a {@link DownstreamHandler}
 * of its own, with no child channel or pipeline per stream. A HEADERS frame with a new id opens a
 * stream; the codec's state event for a closed stream (both ends done, or a reset either way) ends
 * it. Frames that are not a stream's pass on to the connection handler.
 */
final class Http2Streams extends ChannelInboundHandlerAdapter {
  private final HttpProxyContext context;
  private final Router router;
  private final IntObjectMap<Http2Stream> streams = new IntObjectHashMap<>();
  private ChannelHandlerContext ctx;
  private ChannelPromise quiet;
  // The highest stream id opened: a client's streams only go up (RFC 9113 §5.1.1), so a frame of a
  // lower id no longer in the map belongs to a stream that has ended here.
  private int lastOpened;
  private boolean reading;

  Http2Streams(HttpProxyContext context, Router router) {
    this.context = context;
    this.router = router;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
    this.ctx = ctx;
    this.quiet = new VoidChannelPromise(ctx.channel(), false);
    Http2Messages.INSTANCE.attach(ctx);
  }

  /** A void promise that drops a failure instead of firing it at the connection's pipeline. */
  ChannelPromise quiet() {
    return quiet;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof Http2StreamFrame f) || f.stream() == null) {
      ctx.fireChannelRead(msg);
      return;
    }
    reading = true;
    if (!(msg instanceof Http2HeadersFrame) && !(msg instanceof Http2DataFrame)) {
      // RST_STREAM (the stream's close follows as a state event), PRIORITY, WINDOW_UPDATE: the
      // codec has acted on them.
      ReferenceCountUtil.release(msg);
      return;
    }
    int id = f.stream().id();
    Http2Stream s = streams.get(id);
    if (s == null) {
      if (!(msg instanceof Http2HeadersFrame) || id <= lastOpened) {
        ReferenceCountUtil.release(msg);
        return;
      }
      lastOpened = id;
      s =
          new Http2Stream(
              this,
              ctx,
              f.stream(),
              context.limits().http2StreamGuard(),
              new DownstreamHandler(context, router));
      streams.put(id, s);
      s.open();
    }
    s.inbound(f);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    // The codec flushes after this: window updates and answers written in this read go out then.
    reading = false;
    ctx.fireChannelReadComplete();
  }

  /**
   * Gives a stream's consumed bytes back to the client's windows (RFC 9113 §6.9). Within a read of
   * the connection the codec flushes at its end; otherwise (the backend took a chunk) at once.
   */
  void consumed(Http2FrameStream stream, int bytes) {
    ctx.write(new DefaultHttp2WindowUpdateFrame(bytes).stream(stream), quiet);
    if (!reading) {
      ctx.flush();
    }
  }

  void remove(Http2Stream s) {
    streams.remove(s.id());
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof Http2FrameStreamEvent e) {
      if (e.type() == Http2FrameStreamEvent.Type.State && e.stream().state() == State.CLOSED) {
        Http2Stream s = streams.get(e.stream().id());
        if (s != null) {
          s.closed();
        }
      }
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    for (Http2Stream s : new ArrayList<>(streams.values())) {
      s.closed();
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof Http2FrameStreamException e) {
      // A stream error: the connection's stream-error handler has reset the stream with its code
      // (RFC 9113 §5.4.2); the stream ends here, the connection goes on.
      Http2Stream s = streams.get(e.stream().id());
      if (s != null) {
        s.closed();
      }
      return;
    }
    ctx.fireExceptionCaught(cause);
  }
}
