package io.nodemesh.proxy.upstream;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.lang.System.Logger.Level;

/**
 * The end of an upstream connection's pipeline: hands what the backend sends to the exchange that
 * has borrowed the connection; while the connection is idle in the pool, anything but a close is a
 * protocol error and closes it.
 */
final class UpstreamHandler extends ChannelInboundHandlerAdapter {
  private static final System.Logger LOG = System.getLogger(UpstreamHandler.class.getName());

  private Exchange exchange;
  private UpstreamPool idleIn;
  private String idleKey;

  void attach(Exchange e) {
    exchange = e;
    idleIn = null;
    idleKey = null;
  }

  void detach() {
    exchange = null;
  }

  void idle(UpstreamPool pool, String key) {
    exchange = null;
    idleIn = pool;
    idleKey = key;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    Exchange e = exchange;
    if (e != null && msg instanceof HttpObject o) {
      e.onUpstreamRead(o);
      return;
    }
    ReferenceCountUtil.release(msg);
    ctx.close();
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    Exchange e = exchange;
    if (e != null) {
      e.onUpstreamReadComplete();
    }
    ctx.fireChannelReadComplete();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    Exchange e = exchange;
    exchange = null;
    if (e != null) {
      e.onUpstreamClosed(null);
    } else if (idleIn != null) {
      idleIn.remove(idleKey, ctx.channel());
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof IdleStateEvent) {
      if (exchange == null) {
        ctx.close();
      }
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    Exchange e = exchange;
    exchange = null;
    LOG.log(Level.DEBUG, "upstream {0}: {1}", ctx.channel().remoteAddress(), cause.toString());
    if (e != null) {
      e.onUpstreamClosed(cause);
    }
    ctx.close();
  }
}
