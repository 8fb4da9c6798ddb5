package io.nodemesh.proxy.balance;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.HttpMatch;
import io.nodemesh.config.RouteConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link CompiledRoute#pickConnection}: the TCP pick, where HTTP matches do not apply. */
class CompiledRouteConnectionTest {
  private static BackendConfig backend(String name, int weight, String ip) {
    return new BackendConfig(name, weight, List.of(EndpointConfig.ready(ip, 5432)));
  }

  /** Root {@code db}, split {@code name} to {@code db-v1} and {@code db-v2} by these weights. */
  private static CompiledRoute dbSplit(int v1, int v2, List<HttpMatch> matches, String name) {
    return new CompiledRoute(
        "shop",
        new RouteConfig(
            backend("db", 1, "10.0.0.1"),
            List.of(backend("db-v1", v1, "10.0.0.2"), backend("db-v2", v2, "10.0.0.3")),
            matches,
            name));
  }

  private static String service(Pick p) {
    return switch (p) {
      case Pick.Forward f -> f.service();
      case Pick.Unavailable u -> "unavailable: " + u.message();
    };
  }

  /**
   * Issue 17: a connection carries no HTTP request, so it matches none of the split's HTTP matches
   * and goes to the root, as SMI sends all traffic that matches nothing.
   */
  @Test
  void withHttpMatchesEveryConnectionGoesToTheRoot() {
    HttpMatch onlyApi = new HttpMatch("g/api", "/api", List.of("GET"), Map.of());
    CompiledRoute route = dbSplit(0, 100, List.of(onlyApi), "shop/db-ab");
    for (int i = 0; i < 10; i++) {
      assertThat(service(route.pickConnection())).isEqualTo("db");
    }
  }

  @Test
  void withSplitBackendsAndNoMatchesEveryConnectionIsSplit() {
    CompiledRoute route = dbSplit(1, 1, List.of(), "shop/db-split");
    assertThat(List.of(service(route.pickConnection()), service(route.pickConnection())))
        .containsExactlyInAnyOrder("db-v1", "db-v2");
  }

  @Test
  void withoutSplitEveryConnectionGoesToTheRoot() {
    CompiledRoute route =
        new CompiledRoute("shop", RouteConfig.direct(backend("db", 1, "10.0.0.1")));
    assertThat(service(route.pickConnection())).isEqualTo("db");
  }

  @Test
  void noReadyEndpointIsUnavailable() {
    CompiledRoute route =
        new CompiledRoute("shop", RouteConfig.direct(new BackendConfig("db", 1, List.of())));
    assertThat(service(route.pickConnection()))
        .isEqualTo("unavailable: no ready endpoint for service shop/db");
  }
}
