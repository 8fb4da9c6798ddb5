package io.nodemesh.chart;

import static io.nodemesh.chart.Rendered.container;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** podLabels, podAnnotations (chart-wide and per component) and image.digest. */
class PodMetadataChartTest {
  static final String DIGEST =
      "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

  static JsonNode podMeta(Rendered r, String kind, String name) {
    return r.get(kind, name).path("spec").path("template").path("metadata");
  }

  @Test
  void podLabelsAndAnnotationsReachEveryPodAndAComponentsOwnWin() {
    Rendered r =
        Rendered.render(
            Map.of(
                "podLabels.team", "mesh",
                "podLabels.tier", "infra",
                "proxy.podLabels.tier", "node",
                "podAnnotations.example\\.com/owner", "platform",
                "controller.podAnnotations.example\\.com/owner", "control"));
    for (String[] w :
        new String[][] {
          {"DaemonSet", "nodemesh-proxy"},
          {"Deployment", "nodemesh-controller"},
          {"Deployment", "nodemesh-dns"}
        }) {
      JsonNode labels = podMeta(r, w[0], w[1]).path("labels");
      assertThat(labels.path("team").asText()).as(w[1]).isEqualTo("mesh");
      // The selector labels are still there.
      assertThat(labels.path("app.kubernetes.io/name").asText()).isEqualTo(w[1]);
      assertThat(podMeta(r, w[0], w[1]).path("annotations").has("checksum/logging")).isTrue();
    }
    assertThat(podMeta(r, "DaemonSet", "nodemesh-proxy").path("labels").path("tier").asText())
        .isEqualTo("node");
    assertThat(podMeta(r, "Deployment", "nodemesh-dns").path("labels").path("tier").asText())
        .isEqualTo("infra");
    assertThat(
            podMeta(r, "Deployment", "nodemesh-controller")
                .path("annotations")
                .path("example.com/owner")
                .asText())
        .isEqualTo("control");
    assertThat(
            podMeta(r, "DaemonSet", "nodemesh-proxy")
                .path("annotations")
                .path("example.com/owner")
                .asText())
        .isEqualTo("platform");
  }

  @Test
  void aLabelValueIsAlwaysAString() {
    JsonNode labels =
        podMeta(
                Rendered.render(Map.of("podLabels.cost-center", 1234)),
                "DaemonSet",
                "nodemesh-proxy")
            .path("labels");
    assertThat(labels.path("cost-center").isTextual()).isTrue();
    assertThat(labels.path("cost-center").asText()).isEqualTo("1234");
  }

  @Test
  void theChartsSelectorLabelsCannotBeOverridden() {
    assertThatThrownBy(
            () -> Rendered.render(Map.of("proxy.podLabels.app\\.kubernetes\\.io/name", "other")))
        .hasMessageContaining("podLabels: app.kubernetes.io/name is set by the chart");
  }

  @Test
  void aDigestPinsTheImageAndWinsOverTheTag() {
    Rendered r = Rendered.render(Map.of("image.digest", DIGEST, "image.tag", "9.9.9"));
    for (String[] w :
        new String[][] {
          {"DaemonSet", "nodemesh-proxy"},
          {"Deployment", "nodemesh-controller"},
          {"Deployment", "nodemesh-dns"}
        }) {
      assertThat(container(r.get(w[0], w[1])).path("image").asText())
          .isEqualTo("ghcr.io/nodemesh/nodemesh@" + DIGEST);
    }
  }
}
