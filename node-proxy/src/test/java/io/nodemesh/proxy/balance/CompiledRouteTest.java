package io.nodemesh.proxy.balance;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.HttpMatch;
import io.nodemesh.config.RouteConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CompiledRouteTest {
  private static final HttpHeaders NONE = new DefaultHttpHeaders();

  private static BackendConfig backend(String name, int weight, String... ips) {
    List<EndpointConfig> eps = new ArrayList<>();
    for (String ip : ips) {
      eps.add(EndpointConfig.ready(ip, 8080));
    }
    return new BackendConfig(name, weight, eps);
  }

  private static String service(Pick p) {
    return switch (p) {
      case Pick.Forward f -> f.service();
      case Pick.Unavailable u -> "503: " + u.message();
    };
  }

  /** Root {@code web}, split to {@code a} and {@code b} with these weights, no matches. */
  private static RouteConfig abSplit(int a, int b) {
    return new RouteConfig(
        backend("web", 1, "10.0.0.1"),
        List.of(backend("a", a, "10.0.0.2"), backend("b", b, "10.0.0.3")),
        List.of(),
        null);
  }

  /** The services of {@code n} picks of {@code GET /} on {@code cfg}. */
  private static List<String> picks(RouteConfig cfg, int n) {
    CompiledRoute route = new CompiledRoute("shop", cfg);
    List<String> got = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      got.add(service(route.pick("GET", "/", NONE)));
    }
    return got;
  }

  @Test
  void matchIsAndWithinOrAcross() {
    HttpMatch api =
        new HttpMatch("g/api", "/api", List.of("GET", "POST"), Map.of("x-canary", "yes|true"));
    HttpMatch admin = new HttpMatch("g/admin", "/admin$", List.of("*"), Map.of());
    RouteConfig cfg =
        new RouteConfig(
            backend("web", 1, "10.0.0.1"),
            List.of(backend("web-v2", 1, "10.0.0.2")),
            List.of(api, admin),
            "shop/web-split");
    CompiledRoute route = new CompiledRoute("shop", cfg);
    HttpHeaders canary = new DefaultHttpHeaders().add("X-Canary", "true");

    assertThat(service(route.pick("GET", "/api/orders", canary))).isEqualTo("web-v2");
    // path regex is anchored at the start only (lookingAt), not at the end
    assertThat(service(route.pick("POST", "/api", canary))).isEqualTo("web-v2");
    assertThat(service(route.pick("GET", "/v1/api", canary))).isEqualTo("web");
    // method not listed
    assertThat(service(route.pick("DELETE", "/api", canary))).isEqualTo("web");
    // header regex must match the whole value
    assertThat(service(route.pick("GET", "/api", new DefaultHttpHeaders().add("x-canary", "yess"))))
        .isEqualTo("web");
    assertThat(service(route.pick("GET", "/api", NONE))).isEqualTo("web");
    // second match (OR), any method
    assertThat(service(route.pick("PATCH", "/admin", NONE))).isEqualTo("web-v2");
    assertThat(service(route.pick("PATCH", "/admin/x", NONE))).isEqualTo("web");
  }

  @Test
  void splitWithoutMatchesTakesEverythingByWeight() {
    List<String> got = picks(abSplit(3, 1), 8);
    assertThat(got).filteredOn("a"::equals).hasSize(6);
    assertThat(got).filteredOn("b"::equals).hasSize(2);
  }

  @Test
  void endpointsAreRoundRobinOverReadyOnes() {
    BackendConfig root =
        new BackendConfig(
            "web",
            1,
            List.of(
                EndpointConfig.ready("10.0.0.1", 80),
                new EndpointConfig("10.0.0.9", 80, null, false, true, false),
                EndpointConfig.ready("fd00::1", 80)));
    CompiledRoute route = new CompiledRoute("shop", RouteConfig.direct(root));
    List<String> got = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      got.add(((Pick.Forward) route.pick("GET", "/", NONE)).target().authority());
    }
    assertThat(got).containsExactly("10.0.0.1:80", "[fd00::1]:80", "10.0.0.1:80", "[fd00::1]:80");
  }

  @Test
  void noReadyEndpointNamesTheService() {
    BackendConfig root =
        new BackendConfig(
            "web", 1, List.of(new EndpointConfig("10.0.0.9", 80, null, false, false, true)));
    CompiledRoute route = new CompiledRoute("shop", RouteConfig.direct(root));
    assertThat(route.pick("GET", "/", NONE))
        .isEqualTo(new Pick.Unavailable("no ready endpoint for service shop/web"));
  }

  @Test
  void aSplitWhoseWeightedBackendsHaveNoReadyEndpointIs503() {
    RouteConfig cfg =
        new RouteConfig(
            backend("web", 1, "10.0.0.1"), List.of(backend("web-v2", 1)), List.of(), null);
    assertThat(new CompiledRoute("shop", cfg).pick("GET", "/", NONE))
        .isEqualTo(
            new Pick.Unavailable(
                "no ready endpoint in any backend with weight > 0 for service shop/web"));
  }

  /** Issue 17: a crash-looping 10% canary takes no share, so no request fails for it. */
  @Test
  void aBackendWithoutReadyEndpointGivesItsShareToTheOthers() {
    BackendConfig crashing =
        new BackendConfig(
            "web-v2", 10, List.of(new EndpointConfig("10.0.0.3", 8080, null, false, false, false)));
    RouteConfig cfg =
        new RouteConfig(
            backend("web", 1, "10.0.0.1"),
            List.of(backend("web-v1", 90, "10.0.0.2"), crashing),
            List.of(),
            "shop/canary");
    assertThat(picks(cfg, 200)).containsOnly("web-v1");
  }

  @Test
  void splitWithAllWeightsZeroIs503() {
    assertThat(new CompiledRoute("shop", abSplit(0, 0)).pick("GET", "/", NONE))
        .isEqualTo(new Pick.Unavailable("no backend with weight > 0 for service shop/web"));
  }
}
