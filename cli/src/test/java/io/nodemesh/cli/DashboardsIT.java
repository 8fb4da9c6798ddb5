package io.nodemesh.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.nodemesh.controller.ControllerOptions;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
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
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped Grafana dashboards against a real Prometheus (Debian's {@code prometheus} package,
 * installed by {@code .ci/run}) scraping local mode: every query of every panel is evaluated
 * through {@code /api/v1/query} after traffic through an 80/20 split and a backend that fails one
 * request in four, and the traffic panels must show what was sent.
 */
class DashboardsIT {
  private static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");
  private static final Path DASHBOARDS = Path.of("..", "chart", "dashboards");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String RATE_INTERVAL = "1m";

  /**
   * Panels whose feature this test does not drive, so an empty result is right: TCP/UDP relays,
   * ACL mode, circuit breaking, rate limits, shadow Services (Kubernetes mode only).
   */
  private static final Set<String> MAY_BE_EMPTY =
      Set.of(
          "Access denied per second by reason",
          "Circuit breakers open and endpoints ejected",
          "Rate-limited requests per second",
          "TCP throughput",
          "TCP connections and UDP sessions open",
          "UDP datagrams per second");

  @TempDir Path dir;
  private final HttpClient http = HttpClient.newHttpClient();
  private final List<AutoCloseable> closing = new ArrayList<>();
  private URI prometheus;

  @AfterEach
  void stop() {
    Lifecycle.closeAll(closing.reversed().toArray(AutoCloseable[]::new));
    http.close();
  }

  @Test
  void everyPanelQueryEvaluatesAndShowsTheTrafficSent() throws Exception {
    Assumptions.assumeTrue(
        Files.isExecutable(PROMETHEUS),
        "prometheus is not installed (apt-get install prometheus; .ci/run installs it)");
    DemoBackend v1 = DemoBackend.start("web-v1", "127.0.0.1", 0);
    closing.add(v1);
    DemoBackend v2 = DemoBackend.start("web-v2", "127.0.0.1", 0);
    closing.add(v2);
    HttpServer flaky = flakyBackend();
    closing.add(() -> flaky.stop(0));
    Path world = dir.resolve("world");
    Files.createDirectories(world);
    Files.writeString(
        world.resolve("mesh.yaml"),
        mesh(v1.port(), v2.port(), flaky.getAddress().getPort()));
    LocalMesh mesh = LocalMesh.start(world, options(), 0, 0);
    closing.add(mesh);
    assertThat(mesh.awaitListeners(2, Duration.ofSeconds(10))).isTrue();
    startPrometheus(mesh.proxy().adminPort(), mesh.controller().apiPort());

    URI entry = URI.create("http://127.0.0.1:" + mesh.proxy().entryPort() + "/");
    // Warm up: the request counters of every backend exist before the measured traffic.
    int sent = send(entry, "web.demo.mesh", 20) + send(entry, "flaky.demo.mesh", 8);
    awaitScraped("sum(nodemesh_requests_total{namespace=\"demo\"})", sent);
    // A change the controller must propagate: a TrafficSplit whose backend does not exist.
    Files.writeString(world.resolve("broken.yaml"), BROKEN_SPLIT);
    sent += send(entry, "web.demo.mesh", 1000) + send(entry, "flaky.demo.mesh", 400);
    awaitScraped("sum(nodemesh_requests_total{namespace=\"demo\"})", sent);
    awaitScraped(
        "sum(nodemesh_controller_invalid_objects{kind=\"TrafficSplit\",reason=\"BackendNotFound\"})",
        1);

    Map<String, JsonNode> web = evaluate("service.json", Map.of("namespace", "demo", "service", "web"));
    Map<String, JsonNode> flakyDetail =
        evaluate("service.json", Map.of("namespace", "demo", "service", "flaky"));
    Map<String, JsonNode> overview = evaluate("overview.json", Map.of("namespace", "demo"));
    Map<String, JsonNode> proxy = evaluate("proxy.json", Map.of("instance", ".+"));
    Map<String, JsonNode> control = evaluate("control-plane.json", Map.of());

    Map<String, Double> split = byLabel(web.get("Traffic split by backend (share of requests)"), "backend");
    assertThat(split.get("web-v1")).isCloseTo(0.8, within(0.05));
    assertThat(split.get("web-v2")).isCloseTo(0.2, within(0.05));
    Map<String, Double> perBackend = byLabel(web.get("Requests per second by backend"), "backend");
    assertThat(perBackend.get("web-v1") / (perBackend.get("web-v1") + perBackend.get("web-v2")))
        .isCloseTo(0.8, within(0.05));
    assertThat(byLabel(web.get("Error rate by backend"), "backend"))
        .containsEntry("web-v1", 0.0)
        .containsEntry("web-v2", 0.0);
    assertThat(byLabel(flakyDetail.get("Error rate by backend"), "backend").get("flaky"))
        .isCloseTo(0.25, within(0.05));
    Map<String, Double> success = byLabel(overview.get("Success rate by service"), "service");
    assertThat(success.get("web")).isEqualTo(1.0);
    assertThat(success.get("flaky")).isCloseTo(0.75, within(0.05));
    assertThat(byLabel(overview.get("Top 10 errors (5xx per second)"), "service"))
        .containsOnlyKeys("flaky");
    assertThat(byLabel(overview.get("Success rate"), null).get(""))
        .isCloseTo(1 - 100.0 / (1000 + 400), within(0.05));
    assertThat(byLabel(proxy.get("Config version drift"), "instance").values()).containsOnly(0.0);
    assertThat(byLabel(proxy.get("Client connections open"), "protocol")).containsKey("http");
    assertThat(byLabel(control.get("Invalid objects by kind and reason"), "reason"))
        .containsEntry("BackendNotFound", 1.0);
    assertThat(byLabel(control.get("Leader"), "instance").values()).containsOnly(1.0);
    assertThat(byLabel(control.get("Connected proxies"), "state"))
        .containsEntry("connected", 1.0)
        .containsEntry("behind", 0.0);
    assertThat(byLabel(control.get("Propagation time: change to served config (p50, p99)"), null).get(""))
        .isPositive()
        .isLessThan(5.0);
  }

  private static ControllerOptions options() {
    ControllerOptions d = ControllerOptions.defaults();
    return new ControllerOptions(
        d.meshNamespace(),
        "mesh",
        "127.0.0.1",
        0,
        TestPorts.range(0),
        TestPorts.range(1),
        TestPorts.range(2),
        d.debounce(),
        d.maxDelay(),
        false,
        "dashboards-it",
        null,
        d.proxySelector());
  }

  /** Answers 500 to every fourth request, 200 to the others. */
  private static HttpServer flakyBackend() throws IOException {
    HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    AtomicInteger n = new AtomicInteger();
    s.createContext(
        "/",
        ex -> {
          ex.getRequestBody().readAllBytes();
          boolean fail = n.incrementAndGet() % 4 == 0;
          byte[] body = (fail ? "boom" : "ok").getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(fail ? 500 : 200, body.length);
          ex.getResponseBody().write(body);
          ex.close();
        });
    s.start();
    return s;
  }

  private void startPrometheus(int proxyAdmin, int controllerApi) throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path config = dir.resolve("prometheus.yml");
    Files.writeString(
        config,
        """
        global:
          scrape_interval: 1s
          evaluation_interval: 1s
        scrape_configs:
          - job_name: nodemesh-proxy
            static_configs: [{targets: ["127.0.0.1:%d"]}]
          - job_name: nodemesh-controller
            static_configs: [{targets: ["127.0.0.1:%d"]}]
        """
            .formatted(proxyAdmin, controllerApi));
    Process p =
        new ProcessBuilder(
                PROMETHEUS.toString(),
                "--config.file=" + config,
                "--storage.tsdb.path=" + dir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port,
                "--log.level=warn")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("prometheus.log").toFile())
            .start();
    closing.add(
        () -> {
          p.destroy();
          p.waitFor();
        });
    prometheus = URI.create("http://127.0.0.1:" + port);
    await()
        .atMost(Duration.ofSeconds(30))
        .ignoreExceptions()
        .until(() -> get(prometheus.resolve("/-/ready")).statusCode() == 200);
  }

  private HttpResponse<String> get(URI uri) throws Exception {
    return http.send(
        HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Sequential keep-alive requests through the entry port; returns how many were sent. */
  private static int send(URI entry, String host, int n) {
    HttpClient client = Traffic.viaProxy(entry.getPort());
    URI target = URI.create("http://" + host + "/");
    for (int i = 0; i < n; i++) {
      String answer = Traffic.once(client, target);
      assertThat(answer).doesNotStartWith("error");
    }
    return n;
  }

  private void awaitScraped(String query, double expected) {
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              JsonNode r = query(query).path("data").path("result");
              assertThat(r.size() == 1 ? r.get(0).path("value").get(1).asDouble() : null)
                  .as("%s (Prometheus log: %s)", query, prometheusLog())
                  .isEqualTo(expected);
            });
  }

  private String prometheusLog() throws IOException {
    Path log = dir.resolve("prometheus.log");
    return Files.exists(log) ? Files.readString(log) : "none";
  }

  private JsonNode query(String promql) throws Exception {
    URI uri =
        prometheus.resolve(
            "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
    return JSON.readTree(get(uri).body());
  }

  /**
   * Evaluates every target of every panel of a dashboard, with its variables substituted as
   * Grafana would; asserts each succeeds and (unless its feature is not driven here) has data.
   *
   * @return each panel's results, every target's series merged
   */
  private Map<String, JsonNode> evaluate(String dashboard, Map<String, String> vars)
      throws Exception {
    JsonNode d = JSON.readTree(DASHBOARDS.resolve(dashboard).toFile());
    assertThat(d.path("schemaVersion").asInt()).isGreaterThanOrEqualTo(39);
    Map<String, JsonNode> out = new LinkedHashMap<>();
    for (JsonNode panel : panels(d)) {
      String title = panel.path("title").asText();
      var merged = JSON.createArrayNode();
      for (JsonNode target : panel.path("targets")) {
        String expr = substitute(target.path("expr").asText(), vars);
        assertThat(expr).as("%s / %s: every variable substituted", dashboard, title).doesNotContain("$");
        JsonNode r = query(expr);
        assertThat(r.path("status").asText())
            .as("%s / %s: %s -> %s", dashboard, title, expr, r)
            .isEqualTo("success");
        r.path("data").path("result").forEach(merged::add);
      }
      if (!MAY_BE_EMPTY.contains(title)) {
        assertThat(merged).as("%s / %s has data", dashboard, title).isNotEmpty();
      }
      out.put(title, merged);
    }
    return out;
  }

  private static List<JsonNode> panels(JsonNode dashboard) {
    List<JsonNode> all = new ArrayList<>();
    for (JsonNode p : dashboard.path("panels")) {
      all.add(p);
      // Panels inside collapsed rows.
      p.path("panels").forEach(all::add);
    }
    return all.stream().filter(p -> p.has("targets")).toList();
  }

  private static String substitute(String expr, Map<String, String> vars) {
    String e = expr.replace("$__rate_interval", RATE_INTERVAL);
    for (var v : vars.entrySet()) {
      e = e.replace("${" + v.getKey() + "}", v.getValue()).replace("$" + v.getKey(), v.getValue());
    }
    return e;
  }

  /** The value of each series by one label (null: the only series, keyed ""). */
  private static Map<String, Double> byLabel(JsonNode result, String label) {
    assertThat(result).as("panel result").isNotNull();
    Map<String, Double> m = new HashMap<>();
    for (JsonNode s : result) {
      String key = label == null ? "" : s.path("metric").path(label).asText();
      m.put(key, s.path("value").get(1).asDouble());
    }
    return m;
  }

  private static final String BROKEN_SPLIT =
      """
      apiVersion: split.smi-spec.io/v1alpha4
      kind: TrafficSplit
      metadata: {name: broken, namespace: demo}
      spec:
        service: flaky
        backends: [{service: flaky, weight: 1}, {service: flaky-v9, weight: 1}]
      """;

  private static String mesh(int v1, int v2, int flaky) {
    StringBuilder y = new StringBuilder();
    for (String svc : List.of("web", "web-v1", "web-v2", "flaky")) {
      y.append(
          """
          apiVersion: v1
          kind: Service
          metadata: {name: %s, namespace: demo}
          spec: {ports: [{name: http, port: 80, targetPort: 8080}]}
          ---
          """
              .formatted(svc));
    }
    Map<String, Integer> ports = Map.of("web", v1, "web-v1", v1, "web-v2", v2, "flaky", flaky);
    Stream.of("web", "web-v1", "web-v2", "flaky")
        .forEach(
            svc ->
                y.append(
                    """
                    apiVersion: discovery.k8s.io/v1
                    kind: EndpointSlice
                    metadata:
                      name: %1$s-a
                      namespace: demo
                      labels: {kubernetes.io/service-name: %1$s}
                    addressType: IPv4
                    ports: [{name: http, port: %2$d}]
                    endpoints: [{addresses: ["127.0.0.1"]}]
                    ---
                    """
                        .formatted(svc, ports.get(svc))));
    y.append(
        """
        apiVersion: split.smi-spec.io/v1alpha4
        kind: TrafficSplit
        metadata: {name: canary, namespace: demo}
        spec:
          service: web
          backends: [{service: web-v1, weight: 80}, {service: web-v2, weight: 20}]
        """);
    return y.toString();
  }
}
