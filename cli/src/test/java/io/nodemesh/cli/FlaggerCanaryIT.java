package io.nodemesh.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.sun.net.httpserver.HttpServer;
import io.nodemesh.controller.ControllerOptions;
import io.nodemesh.testkit.Closing;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Flagger canary end to end in local mode: the TrafficSplit {@code podinfo} as Flagger's {@code
 * smi} provider writes it (split.smi-spec.io/v1alpha1, quantity weights) at each step, 100/0, 90/10
 * ... 50/50 and the promotion back to 100/0; real traffic through the proxy; and the MetricTemplate
 * queries of examples/flagger/metric-templates.yaml evaluated by a real Prometheus (Debian's {@code
 * prometheus}, as in DashboardsIT) scraping that proxy. The canary fails one request in ten, so its
 * success rate is 90 %, under the Canary's threshold of 99: Flagger would roll it back, and the
 * query says so while the primary's errors stay out of it.
 */
class FlaggerCanaryIT {
  private static final Path TEMPLATES =
      Path.of("..", "examples", "flagger", "metric-templates.yaml");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int REQUESTS_PER_STEP = 400;

  @TempDir Path dir;
  @RegisterExtension final Closing closing = new Closing();
  private final HttpClient http = closing.add(HttpClient.newHttpClient());
  private URI prometheus;

  @Test
  void eachStepRoutesItsWeightsAndTheMetricTemplatesMeasureTheCanary() throws Exception {
    Assumptions.assumeTrue(
        Files.isExecutable(PrometheusProcess.BINARY),
        "prometheus is not installed (apt-get install prometheus; .ci/run installs it)");
    DemoBackend primary = DemoBackend.start("podinfo-primary", "127.0.0.1", 0);
    closing.add(primary);
    HttpServer canary = canaryBackend();
    closing.add(() -> canary.stop(0));
    Path world = dir.resolve("world");
    Files.createDirectories(world);
    Files.writeString(
        world.resolve("podinfo.yaml"), world(primary.port(), canary.getAddress().getPort()));
    LocalMesh mesh = LocalMesh.start(world, options(), 0, 0);
    closing.add(mesh);
    assertThat(mesh.awaitListeners(1, Duration.ofSeconds(10))).isTrue();
    startPrometheus(mesh.proxy().adminPort());
    Map<String, String> queries = templates();
    assertThat(queries).containsOnlyKeys("nodemesh-success-rate", "nodemesh-latency");

    int sent = 0;
    List<int[]> steps = new ArrayList<>();
    steps.add(new int[] {100, 0});
    for (int w = 10; w <= 50; w += 10) {
      steps.add(new int[] {100 - w, w});
    }
    steps.add(new int[] {100, 0});
    for (int[] step : steps) {
      int primaryWeight = step[0];
      int canaryWeight = step[1];
      Files.writeString(world.resolve("split.yaml"), split(primaryWeight, canaryWeight));
      awaitServed(mesh, primaryWeight, canaryWeight);

      // In two halves with a scrape between them: a series born in this step (the canary's, at
      // its first step) then has two samples apart, which rate() needs.
      Map<String, Integer> answered = send(mesh.proxy().entryPort(), REQUESTS_PER_STEP / 2);
      sent += REQUESTS_PER_STEP / 2;
      awaitScraped("sum(nodemesh_requests_total{namespace=\"test\",service=\"podinfo\"})", sent);
      send(mesh.proxy().entryPort(), REQUESTS_PER_STEP / 2)
          .forEach((k, v) -> answered.merge(k, v, Integer::sum));
      sent += REQUESTS_PER_STEP / 2;
      double canaryShare = answered.getOrDefault("podinfo-canary", 0) / (double) REQUESTS_PER_STEP;
      assertThat(canaryShare)
          .as("share of the canary at %d/%d: %s", primaryWeight, canaryWeight, answered)
          .isCloseTo(canaryWeight / 100.0, within(canaryWeight == 0 ? 0.0 : 0.1));
      awaitScraped("sum(nodemesh_requests_total{namespace=\"test\",service=\"podinfo\"})", sent);

      if (canaryWeight > 0) {
        // What Flagger reads at this step: the canary's success rate (per cent) and p99 (ms).
        await()
            .atMost(Duration.ofSeconds(30))
            .untilAsserted(
                () -> {
                  assertThat(value(queries.get("nodemesh-success-rate")))
                      .as("success rate at %d %%", canaryWeight)
                      .isCloseTo(90, within(6.0));
                  assertThat(value(queries.get("nodemesh-latency")))
                      .as("p99 ms at %d %%", canaryWeight)
                      .isPositive()
                      .isLessThan(500);
                });
      }
    }
  }

  /** The TrafficSplit as Flagger's smi provider writes it: v1alpha1, weights as quantities. */
  private static String split(int primary, int canary) {
    return """
        apiVersion: split.smi-spec.io/v1alpha1
        kind: TrafficSplit
        metadata:
          name: podinfo
          namespace: test
          ownerReferences:
            - {apiVersion: flagger.app/v1beta1, kind: Canary, name: podinfo, uid: 0b6b3f5e-0000-4c39-9a51-000000000001, controller: true}
        spec:
          service: podinfo
          backends:
            - {service: podinfo-canary, weight: "%d"}
            - {service: podinfo-primary, weight: "%d"}
        """
        .formatted(canary, primary);
  }

  private static void awaitServed(LocalMesh mesh, int primary, int canary) {
    Map<String, Integer> expected = Map.of("podinfo-primary", primary, "podinfo-canary", canary);
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              var served = mesh.controller().currentConfig();
              Map<String, Integer> weights = new HashMap<>();
              served.listeners().stream()
                  .filter(l -> l.service().equals("podinfo"))
                  .flatMap(l -> l.route().split().stream())
                  .forEach(b -> weights.put(b.service(), b.weight()));
              assertThat(weights).isEqualTo(expected);
              assertThat(mesh.proxy().appliedVersion()).isEqualTo(served.version());
            });
  }

  /** Sequential requests to podinfo.test.mesh:9898 through the entry port; answers by backend. */
  private static Map<String, Integer> send(int entry, int n) throws Exception {
    Map<String, Integer> by = new LinkedHashMap<>();
    try (HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .proxy(ProxySelector.of(new InetSocketAddress("127.0.0.1", entry)))
            .connectTimeout(Duration.ofSeconds(2))
            .build()) {
      URI target = URI.create("http://podinfo.test.mesh:9898/");
      for (int i = 0; i < n; i++) {
        HttpResponse<String> r =
            client.send(
                HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isIn(200, 500);
        by.merge(r.body().strip(), 1, Integer::sum);
      }
    }
    return by;
  }

  /** The canary: answers its name, and 500 to every tenth request. */
  private static HttpServer canaryBackend() throws IOException {
    return Manifests.failingEvery(10, "podinfo-canary\n", "podinfo-canary\n");
  }

  /** The MetricTemplates' queries, filled in as Flagger does for Canary test/podinfo. */
  private static Map<String, String> templates() throws IOException {
    Map<String, String> out = new LinkedHashMap<>();
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    try (MappingIterator<JsonNode> it =
        yaml.readerFor(JsonNode.class).readValues(TEMPLATES.toFile())) {
      while (it.hasNext()) {
        JsonNode t = it.next();
        String q =
            t.path("spec")
                .path("query")
                .asText()
                .replace("{{ namespace }}", "test")
                .replace("{{ target }}", "podinfo")
                .replace("{{ interval }}", "1m");
        assertThat(q).doesNotContain("{{");
        out.put(t.path("metadata").path("name").asText(), q);
      }
    }
    return out;
  }

  private static String world(int primary, int canary) {
    StringBuilder y = new StringBuilder();
    Map<String, Integer> ports =
        Map.of("podinfo", primary, "podinfo-primary", primary, "podinfo-canary", canary);
    for (String svc : List.of("podinfo", "podinfo-primary", "podinfo-canary")) {
      y.append(Manifests.service("test", svc, 9898, 9898))
          .append(Manifests.slice("test", svc, ports.get(svc), "127.0.0.1"));
    }
    return y.toString();
  }

  private static ControllerOptions options() {
    return TestControllers.shippedDebounce("flagger-canary-it");
  }

  private void startPrometheus(int proxyAdmin) throws Exception {
    PrometheusProcess p =
        PrometheusProcess.start(
            dir,
            """
            global:
              scrape_interval: 1s
            scrape_configs:
              - job_name: nodemesh-proxy
                static_configs: [{targets: ["127.0.0.1:%d"]}]
            """
                .formatted(proxyAdmin));
    closing.add(p::close);
    prometheus = p.uri();
  }

  private void awaitScraped(String query, double expected) {
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(value(query)).as(query).isEqualTo(expected));
  }

  /** The value of a query that returns one series. */
  private double value(String promql) throws Exception {
    URI uri =
        prometheus.resolve(
            "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
    JsonNode r =
        JSON.readTree(
            http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString())
                .body());
    assertThat(r.path("status").asText()).as("%s -> %s", promql, r).isEqualTo("success");
    JsonNode result = r.path("data").path("result");
    assertThat(result).as("%s -> %s", promql, r).hasSize(1);
    return result.get(0).path("value").get(1).asDouble();
  }
}
