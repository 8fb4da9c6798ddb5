package io.nodemesh.bench;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.Protocol;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.config.RouteRule;
import io.nodemesh.proxy.balance.Pick;
import io.nodemesh.proxy.balance.ResilienceRegistry;
import io.nodemesh.proxy.route.CompiledRule;
import io.nodemesh.proxy.route.RouteRules;
import java.util.ArrayList;
import java.util.List;
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
 * Gateway API rule matching as a request meets it (issue 17): the first rule that matches among
 * {@code rules} rules of one listener (each a PathPrefix, a header and a query parameter), for a
 * request that hits the first rule, the last rule (through a regex), or none; and the weighted pick
 * among the hit rule's backends. Run with {@code -prof gc} to see that matching allocates nothing.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RouteRulesBenchmark {
  @Param({"10", "100"})
  public int rules;

  private RouteRules compiled;
  private HttpHeaders headers;
  private String lastPath;
  private String lastUri;
  private CompiledRule first;

  @Setup
  public void setUp() {
    List<RouteRule> list = new ArrayList<>();
    for (int i = 0; i < rules; i++) {
      List<BackendConfig> backends =
          List.of(
              new BackendConfig("v1", 90, List.of(EndpointConfig.ready("10.0.0.1", 8080))),
              new BackendConfig("v2", 10, List.of(EndpointConfig.ready("10.0.0.2", 8080))));
      RouteRule.PathMatch path =
          i == rules - 1
              ? new RouteRule.PathMatch(RouteRule.PathMatch.Type.REGULAR_EXPRESSION, "/last/[0-9]+")
              : new RouteRule.PathMatch(RouteRule.PathMatch.Type.PATH_PREFIX, "/svc" + i);
      RouteRule.Match m =
          new RouteRule.Match(
              path,
              List.of(new RouteRule.ValueMatch(RouteRule.ValueMatch.Type.EXACT, "x-env", "prod")),
              List.of(new RouteRule.ValueMatch(RouteRule.ValueMatch.Type.EXACT, "v", "1")),
              "GET");
      list.add(
          new RouteRule("shop/web#" + i, List.of(m), List.of(), backends, 0, null, null, null));
    }
    BackendConfig root = new BackendConfig("web", 1, List.of(EndpointConfig.ready("10.0.0.1", 80)));
    ListenerConfig l =
        new ListenerConfig(
            "shop", "web", 80, Protocol.HTTP, 5000, RouteConfig.direct(root).withRules(list));
    compiled = RouteRules.compile(l, new ResilienceRegistry(null), null, null);
    headers =
        new DefaultHttpHeaders()
            .add("host", "web.shop.mesh")
            .add("x-env", "prod")
            .add("accept", "*/*")
            .add("user-agent", "bench");
    lastPath = "/last/12345";
    lastUri = lastPath + "?a=b&v=1";
    first = compiled.first("GET", "/svc0/items", "/svc0/items?v=1", headers);
  }

  @Benchmark
  public CompiledRule firstRuleMatches() {
    return compiled.first("GET", "/svc0/items", "/svc0/items?v=1", headers);
  }

  @Benchmark
  public CompiledRule lastRuleMatchesByRegex() {
    return compiled.first("GET", lastPath, lastUri, headers);
  }

  @Benchmark
  public CompiledRule noRuleMatches() {
    return compiled.first("GET", "/nothing/here", "/nothing/here?v=2", headers);
  }

  /** The weighted pick among the matched rule's backends, with its endpoint and call. */
  @Benchmark
  public Pick pickInRule() {
    Pick p = first.route().pick("GET", "/svc0/items", headers);
    if (p instanceof Pick.Forward f && f.call() != null) {
      f.call().done();
    }
    return p;
  }
}
