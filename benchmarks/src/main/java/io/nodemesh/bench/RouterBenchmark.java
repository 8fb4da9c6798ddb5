package io.nodemesh.bench;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.nodemesh.proxy.listener.CompiledListener;
import io.nodemesh.proxy.listener.RoutingTable;
import io.nodemesh.proxy.metrics.ProxyMetrics;
import io.nodemesh.proxy.routing.EntryRouter;
import io.nodemesh.proxy.routing.ListenerRouter;
import io.nodemesh.proxy.routing.Route;
import io.nodemesh.proxy.routing.Router;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The route stage through its public entry, {@code routing.Router}, as {@code
 * decode.DownstreamHandler} calls it: {@link Router#listener} (proxy port, or {@code Host} on the
 * entry port), then {@link Router#pick} (the TrafficSplit's path and header matches, the backend by
 * weight and the endpoint: route and balance together) on a table of many Services, every tenth a
 * three-way split.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RouterBenchmark {
  @Param({"1000", "10000"})
  public int services;

  private Router entry;
  private Router byPort;
  private Router splitPort;
  private HttpRequest plain;
  private HttpRequest canary;
  private HttpRequest unknownHost;
  private InetAddress source;

  @Setup
  public void setUp() throws UnknownHostException {
    RoutingTable table =
        RoutingTable.compile(SyntheticMesh.config(1, services, 3, true), new ProxyMetrics());
    int mid = services / 2 + 1;
    entry = new EntryRouter(() -> table);
    byPort = new ListenerRouter(SyntheticMesh.FIRST_PROXY_PORT + mid, () -> table);
    splitPort = new ListenerRouter(SyntheticMesh.FIRST_PROXY_PORT, () -> table);
    plain =
        request(SyntheticMesh.service(mid) + "." + SyntheticMesh.namespace(mid) + ".mesh", "no");
    canary = request("svc-0.ns-0.mesh", "yes");
    unknownHost = request("nobody.nowhere.mesh", "no");
    source = InetAddress.getByName("10.1.2.3");
  }

  private static HttpRequest request(String host, String canary) {
    HttpRequest r =
        new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/api/v1/orders/12345");
    r.headers().add("host", host).add("accept", "*/*").add("x-canary", canary);
    return r;
  }

  private Route route(Router router, HttpRequest r) {
    CompiledListener listener = router.listener(r);
    if (listener == null) {
      return router.unrouted();
    }
    Route route = Router.pick(listener, r, "/api/v1/orders/12345", source, null);
    if (route instanceof Route.Forward f && f.call() != null) {
      // The exchange ends the call; nothing is in flight here.
      f.call().done();
    }
    return route;
  }

  /** Entry port: {@code Host} to Service, then a plain Service's endpoint. */
  @Benchmark
  public Route entryHost() {
    return route(entry, plain);
  }

  /** Entry port, an unknown {@code Host}: the 404 decision. */
  @Benchmark
  public Route entryHostMiss() {
    return route(entry, unknownHost);
  }

  /** A Service's proxy port, then its endpoint. */
  @Benchmark
  public Route proxyPort() {
    return route(byPort, plain);
  }

  /** A split root's proxy port; its path and header matches pick the backend. */
  @Benchmark
  public Route proxyPortSplit() {
    return route(splitPort, canary);
  }
}
