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

  // The last Host found and its listener, in the table they were found in: the requests of a
  // keep-alive connection nearly always name one Host, so they skip the lookup and its result
  // object. Another table (a config change) or another Host looks up again.
  private RoutingTable lastTable;
  private String lastHost;
  private CompiledListener lastListener;

  @Override
  public CompiledListener listener(HttpRequest request) {
    RoutingTable t = table.get();
    String host = request.headers().get(HttpHeaderNames.HOST);
    if (t == lastTable && host != null && host.equals(lastHost)) {
      miss = null;
      return lastListener;
    }
    return switch (t.resolveHost(host)) {
      case HostLookup.Found f -> {
        miss = null;
        lastTable = t;
        lastHost = host;
        lastListener = f.listener();
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
