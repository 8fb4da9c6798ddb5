package io.nodemesh.proxy.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.nodemesh.proxy.recheck.ConfigApplied;
import io.nodemesh.proxy.recheck.Revocations;
import io.nodemesh.proxy.transport.ByteRelay;
import java.lang.System.Logger.Level;

/**
 * After a {@code 101 Switching Protocols} (WebSocket or any other {@code Upgrade}, RFC 9110 §7.8)
 * the downstream and upstream connections carry opaque bytes. One tunnel handler on each side
 * relays what it reads to the other with backpressure: it reads again only when the write to its
 * peer has completed. Either side closing, or the connection idle timeout, closes both. In ACL mode
 * the client side checks its {@link TunnelGrant} again on every new config, and a grant gone closes
 * both: revoking a TrafficTarget ends the tunnels it allowed, as it ends TCP relays.
 */
public final class Tunnel extends ChannelInboundHandlerAdapter {
  private static final System.Logger LOG = System.getLogger(Tunnel.class.getName());
  public static final String NAME = "tunnel";

  private final Channel peer;
  // The client side's grant; null on the backend side.
  private final TunnelGrant grant;

  private Tunnel(Channel peer, TunnelGrant grant) {
    this.peer = peer;
    this.grant = grant;
  }

  /**
   * Whether a request asks to switch protocols on its own connection: an HTTP/1.1 request with
   * {@code Upgrade} named in {@code Connection}. HTTP/2 streams have no such thing.
   */
  static boolean isUpgradeRequest(HttpRequest request, Channel downstream) {
    return !(downstream instanceof Http2StreamChannel)
        && request.headers().contains(HttpHeaderNames.UPGRADE)
        && request
            .headers()
            .containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true);
  }

  /**
   * Turns both connections into a byte relay, on their shared event loop, after the 101 response
   * has been written downstream (the HTTP encoders have already turned it into bytes).
   */
  static void splice(Channel down, Channel up, TunnelGrant grant) {
    ChannelPipeline d = down.pipeline();
    removeIfPresent(d, HttpServerUpgradeHandler.class);
    d.replace(Downstream.HANDLER, NAME, new Tunnel(up, grant));
    removeIfPresent(d, HttpServerCodec.class);
    ChannelPipeline u = up.pipeline();
    u.replace(UpstreamPool.HANDLER, NAME, new Tunnel(down, null));
    u.remove(UpstreamPool.CODEC);
    down.read();
    up.read();
  }

  private static void removeIfPresent(ChannelPipeline p, Class<? extends ChannelHandler> type) {
    if (p.get(type) != null) {
      p.remove(type);
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ByteRelay.forward(ctx, msg, peer, ctx::read, cause -> closeBoth(ctx, cause));
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    ByteRelay.closeAfterWrites(peer);
    ctx.fireChannelInactive();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof IdleStateEvent || evt instanceof ChannelInputShutdownEvent) {
      // Input shut down: the pod ended a tunnel's CONNECT stream (UpstreamRelay#connect). A socket
      // upstream has no half-closure, so its FIN closes it, which ends both as well.
      closeBoth(ctx, null);
      return;
    }
    if (evt instanceof ConfigApplied c && grant != null) {
      String denied = grant.recheck(c.table());
      if (denied != null) {
        c.revocations().revoked(Revocations.Kind.TUNNEL, ctx.channel().remoteAddress(), denied);
        closeBoth(ctx, null);
      }
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    closeBoth(ctx, cause);
  }

  private void closeBoth(ChannelHandlerContext ctx, Throwable cause) {
    if (cause != null) {
      LOG.log(Level.DEBUG, "tunnel {0}: {1}", ctx.channel().remoteAddress(), cause.toString());
    }
    ctx.close();
    peer.close();
  }
}
