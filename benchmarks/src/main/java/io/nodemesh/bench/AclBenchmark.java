package io.nodemesh.bench;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.nodemesh.config.AccessConfig;
import io.nodemesh.config.AccessGrant;
import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.HttpMatch;
import io.nodemesh.config.ListenerAccess;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.Protocol;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.config.access.AccessPolicy;
import io.nodemesh.proxy.acl.AccessGuard;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The ACL decision of one HTTP request or TCP connection, as the proxy makes it: peer IP to service
 * account (10,000 pods known), then the listener's grants (20 TrafficTargets, each with a path,
 * method and header match) for that source.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class AclBenchmark {
  private AccessGuard guard;
  private AccessGuard open;
  private InetSocketAddress allowedPeer;
  private InetSocketAddress otherPeer;
  private InetSocketAddress unknownPeer;
  private HttpRequest get;

  @Setup
  public void setUp() {
    Map<String, String> identities = new HashMap<>();
    for (int i = 0; i < 10_000; i++) {
      identities.put(SyntheticMesh.ip(i), "ns-" + (i % 100) + "/sa-" + (i % 500));
    }
    ListenerConfig listener =
        new ListenerConfig(
            "shop",
            "api",
            80,
            Protocol.HTTP,
            20000,
            RouteConfig.direct(new BackendConfig("api", 1, List.of())));
    List<AccessGrant> grants = new ArrayList<>();
    for (int g = 0; g < 20; g++) {
      grants.add(
          new AccessGrant(
              "shop/target-" + g,
              "HTTPRouteGroup shop/routes-" + g,
              "shop/api",
              List.of("ns-" + g + "/sa-" + g),
              List.of(
                  new HttpMatch("routes-" + g + "/read", "/api/v[0-9]+/", List.of("GET"), Map.of()),
                  new HttpMatch(
                      "routes-" + g + "/admin",
                      "/admin",
                      List.of("*"),
                      Map.of("x-admin", "yes")))));
    }
    AccessPolicy policy =
        AccessPolicy.compile(
            new AccessConfig(
                true,
                identities,
                List.of(new ListenerAccess(listener.key(), List.of("shop/api"), grants))));
    guard = AccessGuard.of(policy, listener, new SimpleMeterRegistry());
    open = AccessGuard.open();
    // ip(19) is ns-19/sa-19: the last grant's source, so every grant is looked at first.
    allowedPeer = new InetSocketAddress(SyntheticMesh.ip(19), 40000);
    otherPeer = new InetSocketAddress(SyntheticMesh.ip(250), 40000);
    unknownPeer = new InetSocketAddress("192.0.2.1", 40000);
    get = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/api/v2/items");
    get.headers().add("host", "api.shop.mesh");
  }

  /** ACL mode off: what every request pays when access control is not used. */
  @Benchmark
  public String httpAclOff() {
    return open.denyHttp(allowedPeer.getAddress(), get, "/api/v2/items");
  }

  @Benchmark
  public String httpAllowed() {
    return guard.denyHttp(allowedPeer.getAddress(), get, "/api/v2/items");
  }

  /** A known caller that no TrafficTarget names: denied, with the 403 line built. */
  @Benchmark
  public String httpDeniedSource() {
    return guard.denyHttp(otherPeer.getAddress(), get, "/api/v2/items");
  }

  /** An allowed caller on a path no match allows. */
  @Benchmark
  public String httpDeniedPath() {
    return guard.denyHttp(allowedPeer.getAddress(), get, "/internal/metrics");
  }

  @Benchmark
  public String tcpUnknownPeer() {
    return guard.denyL4(unknownPeer);
  }
}
