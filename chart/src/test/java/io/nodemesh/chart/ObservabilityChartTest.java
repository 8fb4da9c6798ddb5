package io.nodemesh.chart;

import static io.nodemesh.chart.Rendered.container;
import static io.nodemesh.chart.Rendered.texts;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Dashboards as sidecar ConfigMaps, tracing and access log values. */
class ObservabilityChartTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void everyDashboardShipsAsASidecarConfigMapUnchanged() throws Exception {
    Rendered r = Rendered.render(Map.of());
    List<Path> files;
    try (Stream<Path> s = Files.list(Rendered.chartDir().resolve("dashboards"))) {
      files = s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
    }
    assertThat(files).hasSize(4);
    for (Path f : files) {
      String name = f.getFileName().toString();
      JsonNode cm = r.get("ConfigMap", "nodemesh-dashboard-" + name.replace(".json", ""));
      assertThat(cm.path("metadata").path("namespace").asText()).isEqualTo("nodemesh");
      assertThat(cm.path("metadata").path("labels").path("grafana_dashboard").asText())
          .isEqualTo("1");
      assertThat(cm.path("metadata").path("annotations").path("grafana_folder").asText())
          .isEqualTo("Nodemesh");
      JsonNode shipped = JSON.readTree(cm.path("data").path("nodemesh-" + name).asText());
      assertThat(shipped).isEqualTo(JSON.readTree(f.toFile()));
      assertThat(shipped.path("uid").asText()).startsWith("nodemesh-");
      assertThat(shipped.path("templating").path("list").path(0).path("type").asText())
          .isEqualTo("datasource");
    }
  }

  @Test
  void dashboardsCanGoElsewhereOrNowhere() {
    Rendered moved =
        Rendered.render(
            Map.of("dashboards.namespace", "monitoring", "dashboards.label", "my_dashboards"));
    JsonNode cm = moved.get("ConfigMap", "nodemesh-dashboard-overview");
    assertThat(cm.path("metadata").path("namespace").asText()).isEqualTo("monitoring");
    assertThat(cm.path("metadata").path("labels").has("my_dashboards")).isTrue();
    Rendered none = Rendered.render(Map.of("dashboards.enabled", "false"));
    assertThat(none.ofKind("ConfigMap"))
        .noneMatch(c -> c.path("metadata").path("name").asText().startsWith("nodemesh-dashboard"));
  }

  @Test
  void tracingAndAccessLogAreOffByDefaultAndBecomeProxyFlags() {
    JsonNode off = container(Rendered.render(Map.of()).get("DaemonSet", "nodemesh-proxy"));
    assertThat(texts(off.path("args")))
        .noneMatch(a -> a.startsWith("--otlp-endpoint") || a.startsWith("--access-log"));
    JsonNode on =
        container(
            Rendered.render(
                    Map.of(
                        "tracing.otlpEndpoint", "http://otel-collector.observability:4318",
                        "tracing.sampleRatio", "0.25",
                        "tracing.env.OTEL_RESOURCE_ATTRIBUTES", "k8s.cluster.name=prod",
                        "accessLog.enabled", "true"))
                .get("DaemonSet", "nodemesh-proxy"));
    assertThat(texts(on.path("args")))
        .contains(
            "--otlp-endpoint=http://otel-collector.observability:4318",
            "--trace-sample-ratio=0.25",
            "--access-log=-");
    assertThat(on.path("env").toString())
        .contains("OTEL_RESOURCE_ATTRIBUTES")
        .contains("k8s.cluster.name=prod");
  }
}
