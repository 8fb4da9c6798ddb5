package io.nodemesh.proxy.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.config.RouteFilter;
import io.nodemesh.config.RouteRule;
import io.nodemesh.proxy.Listeners;
import io.nodemesh.testkit.MeshConfigs;
import java.util.List;
import org.junit.jupiter.api.Test;

class SelfEndpointsTest {
  private static MeshConfig pointingAt(String ip, int port) {
    return new MeshConfig(
        1,
        "mesh",
        List.of(
            MeshConfigs.Listener.SHOP_WEB.on(
                5001,
                RouteConfig.direct(
                    new BackendConfig(
                        "web",
                        1,
                        List.of(
                            EndpointConfig.ready(ip, port),
                            EndpointConfig.ready("10.0.0.7", 8080)))))));
  }

  private static List<EndpointConfig> kept(SelfEndpoints self, String ip, int port) {
    return self.strip(pointingAt(ip, port), 15000, 9901)
        .listeners()
        .get(0)
        .route()
        .root()
        .endpoints();
  }

  @Test
  void aWildcardBindCountsEveryLocalAddressInAnyWritingAsTheProxys() {
    SelfEndpoints self = new SelfEndpoints("0.0.0.0", new SimpleMeterRegistry());
    for (String ip :
        List.of(
            "127.0.0.1",
            "127.1.2.3",
            "::ffff:127.0.0.1",
            "0:0::1",
            "0000:0000:0000:0000:0000:0000:0000:0001",
            "::1",
            "0.0.0.0",
            "::")) {
      for (int port : List.of(5001, 15000, 9901)) {
        assertThat(kept(self, ip, port))
            .as(ip + ":" + port)
            .extracting(EndpointConfig::ip)
            .containsExactly("10.0.0.7");
        assertThat(self.dropped()).isEqualTo(1);
      }
    }
    // Another port on the same address is a backend like any other.
    assertThat(kept(self, "127.0.0.1", 8080)).hasSize(2);
    assertThat(self.dropped()).isZero();
  }

  @Test
  void aSpecificBindCountsThatAddressAndTheWildcardOnly() {
    SelfEndpoints self = new SelfEndpoints("127.0.0.1", new SimpleMeterRegistry());
    assertThat(kept(self, "::ffff:7f00:1", 5001)).hasSize(1);
    assertThat(kept(self, "0.0.0.0", 5001)).hasSize(1);
    // Nothing of the proxy listens on another loopback address.
    assertThat(kept(self, "127.0.0.2", 5001)).hasSize(2);
    assertThat(kept(self, "::1", 5001)).hasSize(2);
  }

  @Test
  void aConfigWithoutSuchEndpointsIsReturnedAsItIs() {
    SelfEndpoints self = new SelfEndpoints("0.0.0.0", new SimpleMeterRegistry());
    MeshConfig c = pointingAt("10.0.0.8", 5001);
    assertThat(self.strip(c, 15000)).isSameAs(c);
  }

  @Test
  void gatewayApiRulesSurviveAndTheirBackendsAndMirrorsLoseSelfEndpoints() {
    SelfEndpoints self = new SelfEndpoints("127.0.0.1", new SimpleMeterRegistry());
    EndpointConfig own = EndpointConfig.ready("127.0.0.1", 5001);
    EndpointConfig other = EndpointConfig.ready("10.0.0.7", 8080);
    RouteRule rule =
        Listeners.canaryMirrored(List.of(other), List.of(own), List.of(own, other), 100);
    // The root names the proxy's own port: the old strip rebuilt the route without its rules.
    MeshConfig c =
        new MeshConfig(
            1,
            "mesh",
            List.of(
                MeshConfigs.Listener.SHOP_WEB.on(
                    5001,
                    RouteConfig.direct(new BackendConfig("web", 1, List.of(own)))
                        .withRules(List.of(rule)))));
    RouteConfig stripped = self.strip(c, 15000).listeners().get(0).route();
    assertThat(stripped.root().endpoints()).isEmpty();
    assertThat(stripped.rules()).hasSize(1);
    RouteRule r = stripped.rules().get(0);
    assertThat(r.name()).isEqualTo("shop/web#0");
    assertThat(r.backends()).extracting(BackendConfig::weight).containsExactly(90, 10);
    assertThat(r.backends().get(0).endpoints()).containsExactly(other);
    assertThat(r.backends().get(1).endpoints()).isEmpty();
    assertThat(r.filters())
        .singleElement()
        .satisfies(
            f ->
                assertThat(((RouteFilter.RequestMirror) f).backend().endpoints())
                    .containsExactly(other));
    assertThat(self.dropped()).isEqualTo(3);
  }
}
