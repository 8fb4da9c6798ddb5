package io.nodemesh.proxy.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.lang.System.Logger.Level;

/**
 * The end of an upstream connection's pipeline (an HTTP/1.1 connection, or a relay's stream
 * channel) and the {@link UpstreamLink} of the exchange that has borrowed it: hands what the
 * backend sends to that exchange; while the connection is idle in the pool, anything but a close is
 * a protocol error and closes it.
 */
final class UpstreamHandler extends ChannelInboundHandlerAdapter implements UpstreamLink {
  private static final System.Logger LOG = System.getLogger(UpstreamHandler.class.getName());

  private Channel channel;
  private UpstreamReader reader;
  private UpstreamPool idleIn;
  private String idleKey;

  /** The handler at the end of {@code ch}'s pipeline. */
  static UpstreamHandler of(Channel ch) {
    return ch.pipeline().get(UpstreamHandler.class);
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    channel = ctx.channel();
  }

  @Override
  public void attach(UpstreamReader r) {
    reader = r;
    idleIn = null;
    idleKey = null;
  }

  @Override
  public void detach() {
    reader = null;
  }

  void idle(UpstreamPool pool, String key) {
    reader = null;
    idleIn = pool;
    idleKey = key;
  }

  @Override
  public void write(HttpObject part, boolean flush, ChannelFutureListener listener) {
    if (listener == null) {
      // A failure closes the connection, which channelInactive reports.
      if (flush) {
        channel.writeAndFlush(part, channel.voidPromise());
      } else {
        channel.write(part, channel.voidPromise());
      }
    } else if (flush) {
      channel.writeAndFlush(part).addListener(listener);
    } else {
      channel.write(part).addListener(listener);
    }
  }

  @Override
  public void read() {
    channel.read();
  }

  @Override
  public void close() {
    channel.close();
  }

  @Override
  public boolean multiplexed() {
    return channel instanceof Http2StreamChannel;
  }

  @Override
  public boolean unprocessed() {
    return UpstreamRelay.unprocessed(channel);
  }

  @Override
  public Channel channel() {
    return channel;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    UpstreamReader r = reader;
    if (r != null && msg instanceof HttpObject o) {
      r.onUpstreamRead(o);
      return;
    }
    ReferenceCountUtil.release(msg);
    ctx.close();
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    UpstreamReader r = reader;
    if (r != null) {
      r.onUpstreamReadComplete();
    }
    ctx.fireChannelReadComplete();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    UpstreamReader r = reader;
    reader = null;
    if (r != null) {
      r.onUpstreamClosed(null);
    } else if (idleIn != null) {
      idleIn.remove(idleKey, ctx.channel());
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof IdleStateEvent) {
      if (reader == null) {
        ctx.close();
      }
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    UpstreamReader r = reader;
    reader = null;
    LOG.log(Level.DEBUG, "upstream {0}: {1}", ctx.channel().remoteAddress(), cause.toString());
    if (r != null) {
      r.onUpstreamClosed(cause);
    }
    ctx.close();
  }
}
