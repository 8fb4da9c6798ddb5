package io.nodemesh.proxy.routing;

import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.nodemesh.proxy.listener.CompiledListener;
import io.nodemesh.proxy.listener.RoutingTable;
import java.util.function.Supplier;

/**
 * Routes the requests of one connection accepted on a service listener's proxy port. Each request
 * reads the table in force, so a weight change applies to the next request of a keep-alive
 * connection. When the listener has been removed, the connection keeps the listener it last saw
 * until it ends naturally; in ACL mode it does not (a removed listener grants nothing): its
 * requests get 503 and the connection drains ({@code accept.ListenerWatch}).
 */
public final class ListenerRouter implements Router {
  private final int proxyPort;
  private final Supplier<RoutingTable> table;
  private CompiledListener last;

  /** The table {@link #last} was looked up in: the lookup is redone only when the table changes. */
  private RoutingTable lastTable;

  public ListenerRouter(int proxyPort, Supplier<RoutingTable> table) {
    this.proxyPort = proxyPort;
    this.table = table;
    this.lastTable = table.get();
    this.last = lastTable.byProxyPort(proxyPort);
  }

  @Override
  public boolean listenerRemoved(RoutingTable t) {
    return t.aclMode() && t.byProxyPort(proxyPort) == null;
  }

  @Override
  public CompiledListener listener(HttpRequest request) {
    RoutingTable t = table.get();
    if (t != lastTable) {
      lastTable = t;
      CompiledListener found = t.byProxyPort(proxyPort);
      if (found != null || t.aclMode()) {
        last = found;
      }
    }
    return last;
  }

  @Override
  public Route.Reject unrouted() {
    return new Route.Reject(
        HttpResponseStatus.SERVICE_UNAVAILABLE, "no listener on proxy port " + proxyPort, null);
  }
}
