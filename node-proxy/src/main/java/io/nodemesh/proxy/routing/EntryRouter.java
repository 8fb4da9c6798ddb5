package io.nodemesh.proxy.routing;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.nodemesh.proxy.listener.CompiledListener;
import io.nodemesh.proxy.listener.HostLookup;
import io.nodemesh.proxy.listener.RoutingTable;
import java.util.function.Supplier;

/** Routes entry-port requests by {@code Host} ({@code name.namespace.<meshDomain>[:port]}). */
public final class EntryRouter implements Router {
  private final Supplier<RoutingTable> table;

  /**
   * Why the last lookup found no Service: {@link #listener} and {@link #unrouted} are called one
   * after the other on the connection's event loop, which its HTTP/2 streams share.
   */
  private String miss;

  public EntryRouter(Supplier<RoutingTable> table) {
    this.table = table;
  }

  @Override
  public CompiledListener listener(HttpRequest request) {
    return switch (table.get().resolveHost(request.headers().get(HttpHeaderNames.HOST))) {
      case HostLookup.Found f -> {
        miss = null;
        yield f.listener();
      }
      case HostLookup.NotFound n -> {
        miss = n.message();
        yield null;
      }
    };
  }

  @Override
  public Route.Reject unrouted() {
    return new Route.Reject(HttpResponseStatus.NOT_FOUND, miss, null);
  }
}
