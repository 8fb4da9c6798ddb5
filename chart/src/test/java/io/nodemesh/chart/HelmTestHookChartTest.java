package io.nodemesh.chart;

import static io.nodemesh.chart.Rendered.texts;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code helm test}: a Pod that runs {@code nodemesh check} with read-only permissions. */
class HelmTestHookChartTest {
  static final String NAME = "nodemesh-check";

  @Test
  void helmTestRunsCheckFromTheImageAsAReadOnlyServiceAccount(@TempDir Path dir)
      throws IOException {
    Rendered r = InstallChartTest.renderWithHooks(dir, Map.of(), null);
    JsonNode pod = r.get("Pod", NAME);
    assertThat(
            pod.path("metadata").path("annotations").path(InstallChartTest.VISIBLE_HOOK).asText())
        .isEqualTo("test");
    JsonNode spec = pod.path("spec");
    assertThat(spec.path("serviceAccountName").asText()).isEqualTo(NAME);
    assertThat(spec.path("restartPolicy").asText()).isEqualTo("Never");
    JsonNode c = spec.path("containers").path(0);
    assertThat(c.path("image").asText()).isEqualTo("ghcr.io/nodemesh/nodemesh:0.1.0");
    assertThat(texts(c.path("args")))
        .containsExactly(
            "check",
            "--namespace=nodemesh",
            "--mesh-domain=mesh",
            "--dns-namespace=kube-system",
            "--direct",
            "--controller-ca=/etc/nodemesh/controller-ca/ca.crt");
    assertThat(c.path("securityContext").path("readOnlyRootFilesystem").asBoolean()).isTrue();
    assertThat(c.path("securityContext").path("allowPrivilegeEscalation").asBoolean(true))
        .isFalse();

    for (String kind : List.of("ServiceAccount", "ClusterRole", "ClusterRoleBinding")) {
      assertThat(
              r.get(kind, NAME)
                  .path("metadata")
                  .path("annotations")
                  .path(InstallChartTest.VISIBLE_HOOK)
                  .asText())
          .as(kind)
          .isEqualTo("test");
    }
    // Only reading verbs, nowhere; no impersonation, no secrets.
    List<JsonNode> rules = new ArrayList<>();
    r.get("ClusterRole", NAME).path("rules").forEach(rules::add);
    r.ofKind("Role").stream()
        .filter(role -> role.path("metadata").path("name").asText().equals(NAME))
        .forEach(role -> role.path("rules").forEach(rules::add));
    assertThat(rules).hasSizeGreaterThan(4);
    for (JsonNode rule : rules) {
      assertThat(texts(rule.path("verbs"))).as(rule.toString()).isSubsetOf("get", "list");
      assertThat(texts(rule.path("resources"))).doesNotContain("secrets", "serviceaccounts");
    }
    assertThat(
            r.ofKind("Role").stream()
                .filter(role -> role.path("metadata").path("name").asText().equals(NAME))
                .map(role -> role.path("metadata").path("namespace").asText())
                .toList())
        .containsExactlyInAnyOrder("nodemesh", "kube-system");
  }

  @Test
  void theHookCanBeTurnedOff(@TempDir Path dir) throws IOException {
    Rendered r = InstallChartTest.renderWithHooks(dir, Map.of("tests.enabled", false), null);
    assertThat(r.ofKind("Pod")).isEmpty();
    assertThat(r.manifest()).doesNotContain(NAME);
  }
}
