package io.nodemesh.chart;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Where the pods run: the proxy outranks the pods that depend on it, every component stays on the
 * OS and architecture the image is built for, and the proxy rollout surges past a stuck node.
 */
class SchedulingChartTest {
  private static Rendered defaults;

  @BeforeAll
  static void renderDefaults() {
    defaults = Rendered.render(Map.of());
  }

  static JsonNode podSpec(JsonNode workload) {
    return workload.path("spec").path("template").path("spec");
  }

  @Test
  void theProxyIsNodeCritical() {
    assertThat(
            podSpec(defaults.get("DaemonSet", "nodemesh-proxy")).path("priorityClassName").asText())
        .isEqualTo("system-node-critical");
    JsonNode none =
        podSpec(
            Rendered.render(Map.of("proxy.priorityClassName", ""))
                .get("DaemonSet", "nodemesh-proxy"));
    assertThat(none.has("priorityClassName")).isFalse();
  }

  @Test
  void everyWorkloadRunsOnlyOnLinuxAmd64Nodes() {
    for (JsonNode w :
        new JsonNode[] {
          defaults.get("DaemonSet", "nodemesh-proxy"),
          defaults.get("Deployment", "nodemesh-controller"),
          defaults.get("Deployment", "nodemesh-dns")
        }) {
      JsonNode selector = podSpec(w).path("nodeSelector");
      assertThat(selector.path("kubernetes.io/os").asText())
          .as(w.path("metadata").path("name").asText())
          .isEqualTo("linux");
      assertThat(selector.path("kubernetes.io/arch").asText()).isEqualTo("amd64");
    }
  }

  @Test
  void aNodeSelectorKeyAddsToTheDefaultsAndNullDropsOne() {
    JsonNode selector =
        podSpec(
                Rendered.render(
                        Map.of(
                            "proxy.nodeSelector.pool", "mesh",
                            "proxy.nodeSelector.kubernetes\\.io/arch", "null"))
                    .get("DaemonSet", "nodemesh-proxy"))
            .path("nodeSelector");
    assertThat(selector.path("pool").asText()).isEqualTo("mesh");
    assertThat(selector.path("kubernetes.io/os").asText()).isEqualTo("linux");
    assertThat(selector.has("kubernetes.io/arch")).isFalse();
  }

  @Test
  void theRolloutSurgesAndNeverLeavesANodeWithoutAProxy() {
    JsonNode rolling =
        defaults
            .get("DaemonSet", "nodemesh-proxy")
            .path("spec")
            .path("updateStrategy")
            .path("rollingUpdate");
    assertThat(rolling.path("maxUnavailable").asInt(-1)).isZero();
    assertThat(rolling.path("maxSurge").asText()).isEqualTo("10%");
  }
}
