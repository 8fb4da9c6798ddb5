package io.nodemesh.chart;

import static io.nodemesh.chart.Rendered.container;
import static io.nodemesh.chart.Rendered.texts;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The mesh DNS server's metrics port: a flag, a named container port, the scrape annotations. */
class DnsMetricsChartTest {
  @Test
  void theDnsServerServesMetricsOnItsOwnPort() {
    JsonNode dns =
        Rendered.render(Map.of("dns.metricsPort", 9155)).get("Deployment", "nodemesh-dns");
    JsonNode c = container(dns);
    assertThat(texts(c.path("args"))).contains("--metrics-port=9155");
    assertThat(c.path("ports").toString())
        .contains("\"name\":\"metrics\",\"containerPort\":9155,\"protocol\":\"TCP\"");
    JsonNode annotations = dns.path("spec").path("template").path("metadata").path("annotations");
    assertThat(annotations.path("prometheus.io/scrape").asText()).isEqualTo("true");
    assertThat(annotations.path("prometheus.io/port").asText()).isEqualTo("9155");

    JsonNode quiet =
        Rendered.render(Map.of("metrics.podAnnotations", false)).get("Deployment", "nodemesh-dns");
    assertThat(
            quiet
                .path("spec")
                .path("template")
                .path("metadata")
                .path("annotations")
                .has("prometheus.io/scrape"))
        .isFalse();
  }
}
