package io.nodemesh.controller.shadow;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.Protocol;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.controller.compile.PortKey;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ShadowServicesTest {
  static final Map<String, String> SELECTOR = Map.of("app.kubernetes.io/name", "nodemesh-proxy");

  static ListenerConfig listener(String svc, int port, Protocol p, int proxyPort) {
    return new ListenerConfig(
        "shop", svc, port, p, proxyPort, RouteConfig.direct(new BackendConfig(svc, 1, List.of())));
  }

  static final MeshConfig CONFIG =
      new MeshConfig(
          7,
          "mesh",
          List.of(
              listener("dns", 53, Protocol.UDP, 15000),
              listener("dns", 9153, Protocol.HTTP, 5001),
              listener("web", 80, Protocol.HTTP, 5000)));

  @Test
  void oneShadowPerServiceWithOnePortPerListener() {
    Map<String, Service> desired = ShadowServices.desired(CONFIG, "nodemesh", SELECTOR);

    assertThat(desired)
        .containsOnlyKeys(
            ShadowNames.shadowName("shop", "dns"), ShadowNames.shadowName("shop", "web"));
    Service dns = desired.get(ShadowNames.shadowName("shop", "dns"));
    assertThat(dns.getMetadata().getNamespace()).isEqualTo("nodemesh");
    assertThat(dns.getSpec().getPorts())
        .extracting(
            p ->
                p.getName()
                    + " "
                    + p.getPort()
                    + ">"
                    + p.getTargetPort().getIntVal()
                    + "/"
                    + p.getProtocol())
        .containsExactly("http-9153 9153>5001/TCP", "udp-53 53>15000/UDP");
  }

  @Test
  void theAllocationIsReadBackFromTheShadows() {
    var seed =
        ShadowServices.seedFrom(
            List.copyOf(ShadowServices.desired(CONFIG, "nodemesh", SELECTOR).values()));

    assertThat(seed.ports())
        .containsOnly(
            Map.entry(new PortKey("shop", "dns", 53, Protocol.UDP), 15000),
            Map.entry(new PortKey("shop", "dns", 9153, Protocol.HTTP), 5001),
            Map.entry(new PortKey("shop", "web", 80, Protocol.HTTP), 5000));
  }

  @Test
  void onlyFieldsWeOwnCountAsADifference() {
    Service want =
        ShadowServices.desired(CONFIG, "nodemesh", SELECTOR)
            .get(ShadowNames.shadowName("shop", "web"));
    Service filledIn =
        new ServiceBuilder(want)
            .editMetadata()
            .withResourceVersion("12")
            .addToLabels("team", "x")
            .endMetadata()
            .editSpec()
            .withClusterIP("10.96.0.10")
            .withSessionAffinity("None")
            .endSpec()
            .build();
    Service moved =
        new ServiceBuilder(want)
            .editSpec()
            .editFirstPort()
            .withTargetPort(new IntOrString(5009))
            .endPort()
            .endSpec()
            .build();
    Service global =
        new ServiceBuilder(want).editSpec().withInternalTrafficPolicy("Cluster").endSpec().build();

    assertThat(ShadowServices.differs(want, filledIn)).isFalse();
    assertThat(ShadowServices.differs(want, moved)).isTrue();
    assertThat(ShadowServices.differs(want, global)).isTrue();
  }
}
