package io.nodemesh.proxy.routing;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.nodemesh.proxy.listener.HostLookup;
import io.nodemesh.proxy.listener.RoutingTable;
import java.net.InetAddress;
import java.util.function.Supplier;

/** Routes entry-port requests by {@code Host} ({@code name.namespace.<meshDomain>[:port]}). */
public final class EntryRouter implements Router {
  private final Supplier<RoutingTable> table;

  public EntryRouter(Supplier<RoutingTable> table) {
    this.table = table;
  }

  @Override
  public Route route(HttpRequest request, String path) {
    return route(request, path, null);
  }

  @Override
  public Route route(HttpRequest request, String path, InetAddress source) {
    return switch (table.get().resolveHost(request.headers().get(HttpHeaderNames.HOST))) {
      case HostLookup.Found f -> Router.pick(f.listener(), request, path, source);
      case HostLookup.NotFound n ->
          new Route.Reject(HttpResponseStatus.NOT_FOUND, n.message(), null);
    };
  }
}
