package io.nodemesh.chart;

import static io.nodemesh.chart.Rendered.texts;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 18, tap through the controller: the ClusterRole that grants it is its own, bound to nobody,
 * and the viewer role does not include it.
 */
class TapChartTest {
  @Test
  void tappingIsItsOwnRoleThatTheViewerRoleDoesNotGrant() {
    Rendered defaults = Rendered.render(Map.of());
    JsonNode tapper = defaults.get("ClusterRole", "nodemesh-tapper");
    assertThat(tapper.path("rules")).hasSize(1);
    JsonNode rule = tapper.path("rules").path(0);
    assertThat(texts(rule.path("apiGroups"))).containsExactly("nodemesh.io");
    assertThat(texts(rule.path("resources"))).containsExactly("taps");
    assertThat(texts(rule.path("verbs"))).containsExactly("create");

    assertThat(defaults.get("ClusterRole", "nodemesh-viewer").path("rules").toString())
        .doesNotContain("taps")
        .doesNotContain("create");
    for (String kind : new String[] {"ClusterRoleBinding", "RoleBinding"}) {
      assertThat(defaults.ofKind(kind))
          .noneMatch(b -> b.path("roleRef").path("name").asText().equals("nodemesh-tapper"));
    }
  }
}
