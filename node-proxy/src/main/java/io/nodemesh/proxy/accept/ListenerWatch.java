package io.nodemesh.proxy.accept;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.nodemesh.proxy.limits.Limits;
import io.nodemesh.proxy.recheck.ConfigApplied;
import io.nodemesh.proxy.recheck.Revocations;
import io.nodemesh.proxy.routing.ListenerRouter;
import io.nodemesh.proxy.routing.Router;
import io.nodemesh.proxy.upstream.Tunnel;

/**
 * Drains a downstream connection whose listener a new config removed in ACL mode: the request in
 * progress is answered with {@code Connection: close}, then the connection closes; an idle one
 * closes. The grants it was admitted under belong to a Service that left the mesh, and none of its
 * later requests is forwarded ({@link ListenerRouter}). Once only, per connection.
 */
final class ListenerWatch extends ChannelInboundHandlerAdapter {
  static final String NAME = "listener-watch";

  private final Router router;
  private final Limits limits;
  private boolean draining;

  ListenerWatch(Router router, Limits limits) {
    this.router = router;
    this.limits = limits;
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    // A tunnel checks its own grant (Tunnel), which also covers a removed listener.
    if (evt instanceof ConfigApplied c
        && !draining
        && ctx.pipeline().get(Tunnel.NAME) == null
        && router.listenerRemoved(c.table())) {
      draining = true;
      c.revocations()
          .revoked(Revocations.Kind.HTTP, ctx.channel().remoteAddress(), "listener removed");
      limits.drain(ctx.channel());
    }
    ctx.fireUserEventTriggered(evt);
  }
}
