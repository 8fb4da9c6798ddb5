package io.nodemesh.proxy.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.Protocol;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.proxy.metrics.ProxyMetrics;
import io.nodemesh.testkit.MeshConfigs;
import java.util.List;
import org.junit.jupiter.api.Test;

class RoutingTableTest {

  static ListenerConfig listener(String ns, String svc, int port, int proxyPort) {
    return new ListenerConfig(
        ns,
        svc,
        port,
        Protocol.HTTP,
        proxyPort,
        RouteConfig.direct(
            new BackendConfig(svc, 1, List.of(EndpointConfig.ready("10.0.0.1", 8080)))));
  }

  private static final RoutingTable TABLE =
      RoutingTable.compile(
          new MeshConfig(
              3,
              "mesh",
              List.of(
                  listener("default", "whoami", 80, 5001),
                  listener("default", "whoami", 8080, 5002),
                  listener("shop", "api", 9090, 5003),
                  listener("shop", "multi", 81, 5004),
                  listener("shop", "multi", 82, 5005),
                  MeshConfigs.Listener.DB.on(5006, listener("shop", "db", 5432, 1).route()))),
          new ProxyMetrics());

  private static String resolve(String host) {
    return switch (TABLE.resolveHost(host)) {
      case HostLookup.Found f -> f.listener().config().key();
      case HostLookup.NotFound n -> "404 " + n.message();
    };
  }

  @Test
  void hostWithoutPortPrefersPort80() {
    assertThat(resolve("whoami.default.mesh")).isEqualTo("default/whoami:80");
  }

  @Test
  void explicitPortWins() {
    assertThat(resolve("whoami.default.mesh:8080")).isEqualTo("default/whoami:8080");
    assertThat(resolve("whoami.default.mesh:9999"))
        .isEqualTo("404 no meshed service for host 'whoami.default.mesh:9999'");
  }

  @Test
  void withoutPort80TheOnlyHttpPortIsUsed() {
    assertThat(resolve("api.shop.mesh")).isEqualTo("shop/api:9090");
  }

  @Test
  void severalPortsWithout80AskForAPort() {
    assertThat(resolve("multi.shop.mesh")).startsWith("404 ").contains("81, 82");
  }

  @Test
  void caseAndTrailingDotAreIgnored() {
    assertThat(resolve("WhoAmI.Default.MESH.")).isEqualTo("default/whoami:80");
    assertThat(resolve("whoami.default.mesh.:8080")).isEqualTo("default/whoami:8080");
  }

  @Test
  void unknownHostsAre404WithTheHostNamed() {
    assertThat(resolve("nope.default.mesh"))
        .isEqualTo("404 no meshed service for host 'nope.default.mesh'");
    assertThat(resolve("whoami.default.svc.cluster.local"))
        .startsWith("404 no meshed service for host");
    assertThat(resolve("db.shop.mesh")).startsWith("404 ");
    assertThat(resolve(null)).isEqualTo("404 no meshed service for host ''");
    assertThat(resolve("[::1]:80")).startsWith("404 ");
  }

  @Test
  void onlyHttpListenersAreRoutedByProxyPort() {
    assertThat(TABLE.byProxyPort(5001).config().key()).isEqualTo("default/whoami:80");
    assertThat(TABLE.byProxyPort(5006)).isNull();
    assertThat(TABLE.version()).isEqualTo(3);
    assertThat(RoutingTable.empty().version()).isEqualTo(-1);
  }

  @Test
  void anEndpointThatIsNotAnIpLiteralNamesTheListener() {
    ListenerConfig bad =
        MeshConfigs.Listener.SHOP_WEB.on(
            5001,
            RouteConfig.direct(
                new BackendConfig("web", 1, List.of(EndpointConfig.ready("web.local", 80)))));
    assertThatThrownBy(
            () -> RoutingTable.compile(new MeshConfig(1, null, List.of(bad)), new ProxyMetrics()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("listener shop/web:80")
        .hasMessageContaining("not an IPv4 or IPv6 literal");
  }
}
