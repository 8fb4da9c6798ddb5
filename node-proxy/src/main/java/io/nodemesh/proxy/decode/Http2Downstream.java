package io.nodemesh.proxy.decode;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.timeout.IdleStateEvent;
import io.nodemesh.proxy.limits.Limits;
import io.nodemesh.proxy.routing.Router;
import io.nodemesh.proxy.upstream.Downstream;
import io.nodemesh.proxy.upstream.HttpProxyContext;
import java.lang.System.Logger.Level;

/**
 * A downstream connection that speaks HTTP/2: the frame codec, then {@link Http2Streams}, which
 * keeps the open streams in a map and runs each through its own {@link DownstreamHandler} (an
 * {@link Http2Stream} is the handler's context: no child channel and no pipeline per stream), so a
 * stream is proxied exactly like one HTTP/1.1 request. Backpressure is HTTP/2 flow control: a
 * stream's window is given back only as its handler reads, and the handler reads only when the
 * upstream write has been flushed.
 */
public final class Http2Downstream {
  static final String FRAME_CODEC = "h2-frames";
  static final String STREAMS = "h2-streams";
  static final String CONNECTION = "h2-connection";

  /** Streams one client may have open at once (RFC 9113 §6.5.2 SETTINGS_MAX_CONCURRENT_STREAMS). */
  static final long MAX_CONCURRENT_STREAMS = 1000;

  private Http2Downstream() {}

  /**
   * The connection codec. Closing the connection is graceful: GOAWAY first, then the close once the
   * open streams have finished, for at most the drain timeout (RFC 9113 §6.8).
   */
  public static Http2FrameCodec frameCodec(HttpProxyContext context) {
    return context
        .limits()
        .http2FrameCodec(MAX_CONCURRENT_STREAMS, context.settings().drainTimeout().toMillis());
  }

  /**
   * What follows the frame codec once the connection is HTTP/2: the streams and the connection
   * handler (the h2c upgrade codec adds them unnamed, in this order).
   */
  public static ChannelHandler[] handlers(HttpProxyContext context, Router router) {
    return new ChannelHandler[] {
      new Http2Streams(context, router), new ConnectionHandler(context.limits())
    };
  }

  /** The handler that takes over a connection that opened with the HTTP/2 preface. */
  public static ChannelHandler priorKnowledge(HttpProxyContext context, Router router) {
    return new ChannelInitializer<Channel>() {
      @Override
      protected void initChannel(Channel ch) {
        ch.pipeline()
            .addLast(FRAME_CODEC, frameCodec(context))
            .addLast(STREAMS, new Http2Streams(context, router))
            .addLast(CONNECTION, new ConnectionHandler(context.limits()));
      }
    };
  }

  /**
   * The connection-level end of the parent pipeline: retires the HTTP/1.1 handlers, lets the
   * connection read freely (flow control bounds what a peer may send), closes it when idle with no
   * stream open, and drains it when its listener closes (proxy shutdown, or the Service leaving the
   * mesh): GOAWAY, then the close when its streams are done.
   */
  private static final class ConnectionHandler extends ChannelInboundHandlerAdapter {
    private static final System.Logger LOG = System.getLogger(ConnectionHandler.class.getName());
    private final Limits limits;
    private Channel listener;
    private ChannelFutureListener drain;

    ConnectionHandler(Limits limits) {
      this.limits = limits;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      // HTTP/1.1 handlers the connection no longer needs; the request-head and body deadlines in
      // particular would close a healthy HTTP/2 connection whose streams are quiet. Each stream
      // has its own request path with its own checks (Limits#http2StreamGuard).
      for (String name :
          new String[] {Downstream.HANDLER, Limits.HEAD_START, Limits.REQUEST_GUARD}) {
        if (ctx.pipeline().get(name) != null) {
          ctx.pipeline().remove(name);
        }
      }
      limits.installHttp2Connection(ctx.pipeline());
      ctx.channel().config().setAutoRead(true);
      ctx.read();
      listener = ctx.channel().parent();
      if (listener != null) {
        drain = f -> ctx.channel().close();
        listener.closeFuture().addListener(drain);
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (drain != null) {
        listener.closeFuture().removeListener(drain);
      }
      ctx.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof IdleStateEvent) {
        Http2FrameCodec codec = ctx.pipeline().get(Http2FrameCodec.class);
        if (codec == null || codec.connection().numActiveStreams() == 0) {
          ctx.close();
        }
        return;
      }
      ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      LOG.log(
          Level.DEBUG, "h2 downstream {0}: {1}", ctx.channel().remoteAddress(), cause.toString());
      Http2Exception h2 = Http2CodecUtil.getEmbeddedHttp2Exception(cause);
      if (h2 != null) {
        // The frame codec shows us its protocol errors first, then answers them itself: RST_STREAM
        // for a stream error, GOAWAY with the error code and a close for a connection error
        // (RFC 9113 §5.4). Closing here would get in first with a GOAWAY saying NO_ERROR.
        return;
      }
      ctx.close();
    }
  }
}
