package io.nodemesh.proxy.upstream;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpRequest;
import io.nodemesh.proxy.listener.CompiledListener;
import io.nodemesh.proxy.listener.RoutingTable;
import io.nodemesh.proxy.routing.RequestTarget;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * What let a tunnel open: the upgrade request as the access check saw it, its client and its
 * listener. A tunnel outlives the request, so in ACL mode it is checked again whenever a new config
 * is in force, by the same check the request passed ({@link
 * io.nodemesh.proxy.acl.AccessGuard#denyHttp}); a grant gone or a listener removed closes it.
 *
 * @param proxyPort the proxy port of the listener the request was routed to
 * @param listenerKey that listener's key, so a port given to another Service does not count
 * @param peer the client's IP (the identity in ACL mode)
 * @param head a copy of the request head before forwarding changed it (no body)
 * @param path the path the access check matched
 */
record TunnelGrant(
    int proxyPort, String listenerKey, InetAddress peer, HttpRequest head, String path) {

  /** Takes the grant of an upgrade request; call before the request's headers are rewritten. */
  static TunnelGrant of(CompiledListener listener, HttpRequest request, Channel down) {
    InetAddress peer = down.remoteAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
    HttpRequest head =
        new DefaultHttpRequest(
            request.protocolVersion(), request.method(), request.uri(), request.headers().copy());
    return new TunnelGrant(
        listener.config().proxyPort(),
        listener.config().key(),
        peer,
        head,
        RequestTarget.path(request.uri()));
  }

  /**
   * Checks the grant against a table.
   *
   * @return null while the tunnel may stay open, else why it may not
   */
  String recheck(RoutingTable table) {
    if (!table.aclMode()) {
      return null;
    }
    CompiledListener l = table.byProxyPort(proxyPort);
    if (l == null || !l.config().key().equals(listenerKey)) {
      return "listener " + listenerKey + " removed";
    }
    return l.access().denyHttp(peer, head, path);
  }
}
