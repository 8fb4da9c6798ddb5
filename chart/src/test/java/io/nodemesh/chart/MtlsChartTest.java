package io.nodemesh.chart;

import static io.nodemesh.chart.Rendered.container;
import static io.nodemesh.chart.Rendered.texts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Issue 14: the mtls values reach the controller and, with identity on, every proxy. */
class MtlsChartTest {
  @Test
  void modeAndPortReachTheControllerAndTheProxies() {
    Rendered r =
        Rendered.render(
            Map.of("identity.enabled", "true", "mtls.mode", "strict", "mtls.tunnelPort", "15099"));
    assertThat(texts(container(r.get("Deployment", "nodemesh-controller")).path("args")))
        .contains("--mtls-mode=strict", "--tunnel-port=15099");
    assertThat(texts(container(r.get("DaemonSet", "nodemesh-proxy")).path("args")))
        .contains("--tunnel-port=15099");
  }

  @Test
  void permissiveWithATunnelByDefault() {
    Rendered r = Rendered.render(Map.of());
    assertThat(texts(container(r.get("Deployment", "nodemesh-controller")).path("args")))
        .contains("--ca", "--mtls-mode=permissive", "--tunnel-port=15008");
    assertThat(texts(container(r.get("DaemonSet", "nodemesh-proxy")).path("args")))
        .contains("--tunnel-port=15008");
  }

  @Test
  void withoutIdentityTheProxiesRunNoTunnel() {
    Rendered r = Rendered.render(Rendered.NO_IDENTITY);
    assertThat(texts(container(r.get("DaemonSet", "nodemesh-proxy")).path("args")))
        .noneMatch(a -> a.startsWith("--tunnel-port"));
  }

  @Test
  void aModeOtherThanOffNeedsIdentity() {
    assertThatThrownBy(() -> Rendered.render(Map.of("identity.enabled", "false")))
        .hasMessageContaining(
            "mtls.mode=permissive needs identity.enabled=true: the node-to-node tunnel runs on the"
                + " workload certificates. Set identity.enabled=true, or mtls.mode=off");
  }

  @Test
  void controllerTlsOffAloneNamesTheOtherTwoValues() {
    assertThatThrownBy(() -> Rendered.render(Map.of("controller.tls.enabled", "false")))
        .hasMessageContaining(
            "controller.tls.enabled=false needs identity.enabled=false and mtls.mode=off as well"
                + " (now identity.enabled=true, mtls.mode=permissive)")
        .hasMessageContaining(
            "--set controller.tls.enabled=false,identity.enabled=false,mtls.mode=off");
    assertThatThrownBy(
            () ->
                Rendered.render(
                    Map.of("controller.tls.enabled", "false", "identity.enabled", "false")))
        .hasMessageContaining("mtls.mode=permissive needs identity.enabled=true");
  }
}
