package io.nodemesh.chart;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every query of every shipped dashboard (chart/dashboards, panels inside rows too) names only
 * metrics that docs/metrics.md lists, with the labels its row lists, and that the code of a
 * component registers. A renamed or undocumented metric fails here, before a dashboard goes blank.
 * That the queries return the traffic sent is DashboardsIT's part (cli module).
 */
class DashboardQueriesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path REPO = Rendered.chartDir().resolve("..").normalize();
  private static final Pattern METRIC = Pattern.compile("\\bnodemesh_[a-z0-9_]+");
  private static final Pattern SELECTOR = Pattern.compile("\\b(nodemesh_[a-z0-9_]+)\\{([^}]*)}");
  private static final Pattern MATCHER =
      Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)\\s*(=~|!~|!=|=)");
  private static final Pattern REGISTERED = Pattern.compile("\"(nodemesh[._][a-z0-9._]+)\"");

  /** Labels Prometheus adds to every series of a target. */
  private static final Set<String> TARGET_LABELS = Set.of("instance", "job");

  /** What a Prometheus name adds to the name the code registers: unit, then type suffix. */
  private static final Pattern SUFFIXES =
      Pattern.compile("(_seconds|_bytes)?(_total|_bucket|_count|_sum|_max)?");

  @Test
  void everyPanelQueryNamesADocumentedMetricTheCodeRegisters() throws IOException {
    Map<String, Set<String>> documented = MetricsDoc.labels();
    Set<String> registered = registeredNames();
    assertThat(registered).contains("nodemesh_requests", "nodemesh_tunnel_connections");
    assertThat(relayMetersSource()).contains("\"nodemesh.\" + protocol + \".\"");
    Set<String> seen = new HashSet<>();
    for (Path file : dashboards()) {
      for (JsonNode panel : panels(JSON.readTree(file.toFile()))) {
        String where = file.getFileName() + " / " + panel.path("title").asText();
        for (JsonNode target : panel.path("targets")) {
          String expr = target.path("expr").asText();
          Matcher m = METRIC.matcher(expr);
          while (m.find()) {
            String family = m.group().replaceFirst("_(bucket|count|sum)$", "");
            seen.add(family);
            assertThat(documented)
                .as("%s: %s in docs/metrics.md", where, family)
                .containsKey(family);
            assertThat(registeredBy(family, registered))
                .as("%s: %s registered by the code", where, family)
                .isTrue();
          }
          Matcher s = SELECTOR.matcher(expr);
          while (s.find()) {
            String family = s.group(1).replaceFirst("_(bucket|count|sum)$", "");
            Set<String> labels = new HashSet<>(documented.getOrDefault(family, Set.of()));
            labels.addAll(TARGET_LABELS);
            labels.add("le");
            Matcher l = MATCHER.matcher(s.group(2));
            while (l.find()) {
              assertThat(labels)
                  .as("%s: label %s of %s", where, l.group(1), family)
                  .contains(l.group(1));
            }
          }
        }
      }
    }
    // The tunnel row (issue 14) is among what was checked.
    assertThat(seen)
        .contains(
            "nodemesh_tunnel_connections",
            "nodemesh_tunnel_handshakes_total",
            "nodemesh_tunnel_refused_total",
            "nodemesh_tunnel_streams_total",
            "nodemesh_proxy_certificate_requests_total",
            "nodemesh_proxy_certificate_expiry_seconds",
            "nodemesh_controller_certificate_requests_total");
  }

  @Test
  void theProxyDashboardHasATunnelAndCertificateRowWithTheExpiryThresholdOfTheAlert()
      throws IOException {
    JsonNode proxy = JSON.readTree(Rendered.chartDir().resolve("dashboards/proxy.json").toFile());
    List<String> rows = new ArrayList<>();
    proxy
        .path("panels")
        .forEach(p -> rows.add(p.path("type").asText() + ":" + p.path("title").asText()));
    assertThat(rows).contains("row:Tunnel and workload certificates");
    JsonNode expiry =
        panels(proxy).stream()
            .filter(p -> p.path("title").asText().startsWith("Seconds until certificate expiry"))
            .findFirst()
            .orElseThrow();
    assertThat(expiry.path("targets").path(0).path("expr").asText())
        .startsWith("min by (service_account) (nodemesh_proxy_certificate_expiry_seconds");
    // The red band ends where NodemeshCertificateNearExpiry starts firing.
    String rules = Files.readString(Rendered.chartDir().resolve("rules/nodemesh-rules.yaml"));
    assertThat(rules).contains("(nodemesh_proxy_certificate_expiry_seconds) < 1800");
    assertThat(
            expiry
                .path("fieldConfig")
                .path("defaults")
                .path("thresholds")
                .path("steps")
                .path(1)
                .path("value")
                .asInt())
        .isEqualTo(1800);
    // Panel ids are unique, or Grafana mixes up their state.
    Set<Integer> ids = new HashSet<>();
    for (JsonNode p : proxy.path("panels")) {
      assertThat(ids.add(p.path("id").asInt())).as("panel id %s", p.path("id")).isTrue();
    }
  }

  private static boolean registeredBy(String family, Set<String> registered) {
    if (family.startsWith("nodemesh_tcp_") || family.startsWith("nodemesh_udp_")) {
      // RelayMeters composes these names from the protocol: "nodemesh." + protocol + "." + ...
      return true;
    }
    for (String name : registered) {
      if (family.startsWith(name) && SUFFIXES.matcher(family.substring(name.length())).matches()) {
        return true;
      }
    }
    return false;
  }

  /** The metric names the main code of every module registers, dots turned into underscores. */
  private static Set<String> registeredNames() throws IOException {
    Set<String> names = new HashSet<>();
    try (Stream<Path> files = Files.walk(REPO, 12)) {
      for (Path f :
          files
              .filter(p -> p.toString().endsWith(".java"))
              .filter(p -> p.toString().contains("/src/main/java/"))
              .toList()) {
        Matcher m = REGISTERED.matcher(Files.readString(f));
        while (m.find()) {
          names.add(m.group(1).replace('.', '_'));
        }
      }
    }
    return names;
  }

  private static String relayMetersSource() throws IOException {
    return Files.readString(
        REPO.resolve("node-proxy/src/main/java/io/nodemesh/proxy/metrics/RelayMeters.java"));
  }

  private static List<Path> dashboards() throws IOException {
    try (Stream<Path> s = Files.list(Rendered.chartDir().resolve("dashboards"))) {
      List<Path> files = s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
      assertThat(files).isNotEmpty();
      return files;
    }
  }

  /** Every panel with queries, those inside rows included. */
  private static List<JsonNode> panels(JsonNode dashboard) {
    return dashboard
        .path("panels")
        .valueStream()
        .flatMap(p -> Stream.concat(Stream.of(p), p.path("panels").valueStream()))
        .filter(p -> p.has("targets"))
        .toList();
  }
}
