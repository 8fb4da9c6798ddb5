package io.nodemesh.bench;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.nodemesh.proxy.balance.CompiledRoute;
import io.nodemesh.proxy.balance.Pick;
import io.nodemesh.proxy.listener.CompiledListener;
import io.nodemesh.proxy.listener.HostLookup;
import io.nodemesh.proxy.listener.RoutingTable;
import io.nodemesh.proxy.metrics.ProxyMetrics;
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
 * Route matching as a request meets it: the entry port's host lookup, then the route's split
 * decision (path regex, method, header regex) and the backend and endpoint pick.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RoutingBenchmark {
  @Param({"1000", "10000"})
  public int services;

  private RoutingTable table;
  private CompiledRoute plain;
  private CompiledRoute split;
  private HttpHeaders noCanary;
  private HttpHeaders canary;
  private String knownHost;

  @Setup
  public void setUp() {
    table = RoutingTable.compile(SyntheticMesh.config(1, services, 3, true), new ProxyMetrics());
    knownHost =
        SyntheticMesh.service(services / 2 + 1)
            + "."
            + SyntheticMesh.namespace(services / 2 + 1)
            + ".mesh";
    plain = listener(1);
    split = listener(0);
    noCanary = new DefaultHttpHeaders().add("host", "svc-0.ns-0.mesh").add("accept", "*/*");
    canary = new DefaultHttpHeaders().add("host", "svc-0.ns-0.mesh").add("x-canary", "yes");
  }

  private CompiledRoute listener(int i) {
    return table.byProxyPort(SyntheticMesh.FIRST_PROXY_PORT + i).route();
  }

  /** Service listener: proxy port to listener, as every request on a listener does. */
  @Benchmark
  public CompiledListener listenerLookup() {
    return table.byProxyPort(SyntheticMesh.FIRST_PROXY_PORT + services / 2 + 1);
  }

  /** A proxy port with no listener (one just removed): the miss path. */
  @Benchmark
  public CompiledListener listenerLookupMiss() {
    return table.byProxyPort(SyntheticMesh.FIRST_PROXY_PORT + services + 7);
  }

  /** Entry port: {@code Host} to listener, a hit. */
  @Benchmark
  public HostLookup hostLookup() {
    return table.resolveHost(knownHost);
  }

  /** Entry port: a host no service has (a 404). */
  @Benchmark
  public HostLookup hostLookupMiss() {
    return table.resolveHost("nope.nowhere.mesh");
  }

  /** A route without split: no matching at all, round robin over the root's endpoints. */
  @Benchmark
  public Pick pickPlain() {
    return plain.pick("GET", "/index.html", noCanary);
  }

  /** A split route whose path regex matches: regex, then weighted pick, then endpoint. */
  @Benchmark
  public Pick pickSplitPathMatch() {
    return split.pick("GET", "/api/v2/items", noCanary);
  }

  /** A split route where the path regex fails and the header regex decides. */
  @Benchmark
  public Pick pickSplitHeaderMatch() {
    return split.pick("GET", "/static/app.js", canary);
  }

  /** A split route where nothing matches: both matches evaluated, then the root. */
  @Benchmark
  public Pick pickSplitNoMatch() {
    return split.pick("DELETE", "/static/app.js", noCanary);
  }
}
