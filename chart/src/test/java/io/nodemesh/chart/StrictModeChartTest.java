package io.nodemesh.chart;

import static io.nodemesh.chart.Rendered.texts;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 14, strict mode: the controller may keep NetworkPolicies in any namespace, and with the
 * tunnel on, the proxies' own policy admits the tunnel port from other proxies and nobody else.
 */
class StrictModeChartTest {
  @Test
  void theControllerMayWriteNetworkPoliciesEverywhere() {
    Rendered r = Rendered.render(Map.of());
    JsonNode rule = r.get("ClusterRole", "nodemesh-controller-strict").path("rules").get(0);
    assertThat(texts(rule.path("apiGroups"))).containsExactly("networking.k8s.io");
    assertThat(texts(rule.path("resources"))).containsExactly("networkpolicies");
    assertThat(texts(rule.path("verbs")))
        .containsExactlyInAnyOrder("get", "list", "watch", "create", "update", "patch", "delete");
    assertThat(
            r.get("ClusterRoleBinding", "nodemesh-controller-strict").path("subjects").toString())
        .contains("\"name\":\"nodemesh-controller\"");
  }

  @Test
  void theTunnelPortIsOpenToProxiesOnlyAndOnlyWithTheTunnel() {
    JsonNode on =
        Rendered.render(
                Map.of(
                    "identity.enabled", "true", "mtls.mode", "strict", "mtls.tunnelPort", "15099"))
            .get("NetworkPolicy", "nodemesh-proxy");
    JsonNode tunnel = null;
    for (JsonNode rule : on.path("spec").path("ingress")) {
      if (rule.path("ports").toString().contains("15099")) {
        tunnel = rule;
      }
    }
    assertThat(tunnel).as("a rule for the tunnel port").isNotNull();
    assertThat(tunnel.path("ports")).hasSize(1);
    assertThat(tunnel.path("from")).hasSize(1);
    assertThat(tunnel.path("from").get(0).path("podSelector").path("matchLabels").toString())
        .contains("\"app.kubernetes.io/name\":\"nodemesh-proxy\"");
    JsonNode off = Rendered.render(Rendered.NO_IDENTITY).get("NetworkPolicy", "nodemesh-proxy");
    assertThat(off.path("spec").path("ingress").toString()).doesNotContain("15008");
  }
}
