package io.nodemesh.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.nodemesh.controller.ControllerOptions;
import io.nodemesh.testkit.Closing;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.Socket;
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
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The shipped Grafana dashboards against a real Prometheus (Debian's {@code prometheus} package,
 * installed by {@code .ci/run}) scraping local mode in ACL mode: every query of every panel is
 * evaluated through {@code /api/v1/query} after traffic through an 80/20 split, to a backend that
 * fails one request in four, and from a caller no TrafficTarget allows; the traffic panels must
 * show what was sent. Twice: with plain static targets, and through the scrape configuration the
 * Prometheus Operator generates for the chart's PodMonitor and ServiceMonitor ({@link
 * OperatorScrape}: honor_labels as the rendered template sets it, and the target labels {@code
 * namespace}, {@code pod}, {@code container}, {@code job} it adds from the pod).
 */
class DashboardsIT {
  private static final Path CHART = Path.of("..", "chart");
  private static final Path DASHBOARDS = CHART.resolve("dashboards");
  private static final Path RULES = CHART.resolve("rules/nodemesh-rules.yaml");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String RATE_INTERVAL = "1m";

  /**
   * Panels whose feature this test does not drive, so an empty result is right: gRPC, circuit
   * breaking, rate limits, and the tunnel and certificate row (local mode has neither; the netns
   * bed's CertificateClockBedIT reads those series from real proxies).
   */
  private static final Set<String> MAY_BE_EMPTY =
      Set.of(
          "Circuit breakers open and endpoints ejected",
          "gRPC responses per second by status",
          "Rate-limited requests per second",
          "Tunnel connections open",
          "Tunnel handshakes per second by side and result",
          "Tunnel handshake failures and refusals per second by reason",
          "Tunnel streams per second by kind",
          "Certificates issued and refused",
          "Seconds until certificate expiry (min per ServiceAccount)");

  @TempDir Path dir;
  @RegisterExtension final Closing closing = new Closing();
  private final HttpClient http = closing.add(HttpClient.newHttpClient());
  private URI prometheus;

  /** How Prometheus finds and labels the two targets. */
  enum Scraping {
    STATIC,
    PROMETHEUS_OPERATOR
  }

  @ParameterizedTest
  @EnumSource(Scraping.class)
  void everyPanelQueryEvaluatesAndShowsTheTrafficSent(Scraping scraping) throws Exception {
    Assumptions.assumeTrue(
        Files.isExecutable(PrometheusProcess.BINARY),
        "prometheus is not installed (apt-get install prometheus; .ci/run installs it)");
    DemoBackend v1 = DemoBackend.start("web-v1", "127.0.0.1", 0);
    closing.add(v1);
    DemoBackend v2 = DemoBackend.start("web-v2", "127.0.0.1", 0);
    closing.add(v2);
    HttpServer flaky = flakyBackend();
    closing.add(() -> flaky.stop(0));
    AclWorld.TcpEcho db = new AclWorld.TcpEcho("127.0.0.1");
    closing.add(db);
    AclWorld.UdpEcho dns = new AclWorld.UdpEcho("127.0.0.1");
    closing.add(dns);
    Path world = dir.resolve("world");
    Files.createDirectories(world);
    Files.writeString(
        world.resolve("mesh.yaml"),
        mesh(v1.port(), v2.port(), flaky.getAddress().getPort(), db.port(), dns.port()));
    LocalMesh mesh = LocalMesh.start(world, options().withAcl(true), 0, 0);
    closing.add(mesh);
    assertThat(mesh.awaitListeners(6, Duration.ofSeconds(10))).isTrue();
    int dbPort = proxyPort(mesh, "db");
    int dnsPort = proxyPort(mesh, "dns");
    startPrometheus(mesh.proxy().adminPort(), mesh.controller().apiPort(), scraping);

    int entry = mesh.proxy().entryPort();
    // Warm up: the request counters of every backend exist before the measured traffic.
    int sent =
        send(entry, CLIENT_IP, "web", 20, 200)
            + send(entry, CLIENT_IP, "flaky", 8, 200)
            + send(entry, STRANGER_IP, "web", 2, 403);
    int tcpBytes = tcp(dbPort, 1, 100);
    int datagrams = udp(dnsPort, 2);
    awaitScraped("sum(nodemesh_requests_total{namespace=\"demo\"})", sent);
    awaitScraped("sum(nodemesh_udp_received_datagrams_total)", datagrams);
    // Both targets scraped before the change, so its effect shows as an increase.
    awaitScraped("sum(up)", 2);
    if (scraping == Scraping.PROMETHEUS_OPERATOR) {
      // The operator's target labels are on the series (the relabelling ran), and none of ours
      // was renamed by a clash with them.
      awaitScraped(
          "count(nodemesh_config_version{pod=\"%s\",container=\"proxy\",namespace=\"%s\"})"
              .formatted(OperatorScrape.PROXY_POD, OperatorScrape.NAMESPACE),
          1);
      awaitScraped(
          "count(nodemesh_requests_total{pod=\"%s\",namespace=\"demo\"}) > bool 0"
              .formatted(OperatorScrape.PROXY_POD),
          1);
      assertThat(
              query("count({exported_namespace!=\"\"}) or vector(0)")
                  .path("data")
                  .path("result")
                  .get(0)
                  .path("value")
                  .get(1)
                  .asDouble())
          .as("series with a renamed namespace label")
          .isZero();
    }
    // A change the controller must propagate: a TrafficSplit whose backend does not exist.
    Files.writeString(world.resolve("broken.yaml"), BROKEN_SPLIT);
    sent +=
        send(entry, CLIENT_IP, "web", 1000, 200)
            + send(entry, CLIENT_IP, "flaky", 400, 200)
            + send(entry, STRANGER_IP, "web", 50, 403);
    tcpBytes += tcp(dbPort, 20, 1000);
    datagrams += udp(dnsPort, 30);
    awaitScraped("sum(nodemesh_requests_total{namespace=\"demo\"})", sent);
    awaitScraped("sum(nodemesh_tcp_received_bytes_total)", tcpBytes);
    awaitScraped("sum(nodemesh_tcp_sent_bytes_total)", tcpBytes);
    awaitScraped("sum(nodemesh_udp_received_datagrams_total)", datagrams);
    awaitScraped("sum(nodemesh_udp_sent_datagrams_total)", datagrams);
    awaitScraped(
        "sum(nodemesh_controller_invalid_objects{kind=\"TrafficSplit\",reason=\"BackendNotFound\"})",
        1);
    // The change is timed when the compile that includes it is published, which may be one
    // debounced compile after the one that first showed the invalid split.
    awaitScraped(
        "sum(increase(nodemesh_controller_propagation_duration_seconds_count[1m])) > bool 0", 1);

    Map<String, JsonNode> web =
        evaluate("service.json", Map.of("namespace", "demo", "service", "web"));
    Map<String, JsonNode> flakyDetail =
        evaluate("service.json", Map.of("namespace", "demo", "service", "flaky"));
    Map<String, JsonNode> overview = evaluate("overview.json", Map.of("namespace", "demo"));
    Map<String, JsonNode> proxy = evaluate("proxy.json", Map.of("instance", ".+"));
    Map<String, JsonNode> control = evaluate("control-plane.json", Map.of());

    Map<String, Double> split =
        byLabel(web.get("Traffic split by backend (share of requests)"), "backend");
    double allowed = 1 - split.get("none");
    assertThat(split.get("web-v1") / allowed).isCloseTo(0.8, within(0.05));
    assertThat(split.get("web-v2") / allowed).isCloseTo(0.2, within(0.05));
    Map<String, Double> perBackend = byLabel(web.get("Requests per second by backend"), "backend");
    assertThat(perBackend.get("web-v1") / (perBackend.get("web-v1") + perBackend.get("web-v2")))
        .isCloseTo(0.8, within(0.05));
    assertThat(byLabel(web.get("Error rate by backend"), "backend"))
        .containsEntry("web-v1", 0.0)
        .containsEntry("web-v2", 0.0)
        .containsEntry("none", 0.0);
    assertThat(byLabel(flakyDetail.get("Error rate by backend"), "backend").get("flaky"))
        .isCloseTo(0.25, within(0.05));
    Map<String, Double> success = byLabel(overview.get("Success rate by service"), "service");
    // 403 is not a failure of the service.
    assertThat(success.get("web")).isEqualTo(1.0);
    assertThat(success.get("flaky")).isCloseTo(0.75, within(0.05));
    assertThat(byLabel(overview.get("Top 10 errors (5xx per second)"), "service"))
        .containsOnlyKeys("flaky");
    assertThat(byLabel(overview.get("Success rate"), null).get(""))
        .isCloseTo(1 - 100.0 / (1000 + 400 + 50), within(0.05));
    assertThat(byLabel(proxy.get("Config version drift"), "instance").values()).containsOnly(0.0);
    assertThat(byLabel(proxy.get("Client connections open"), "protocol")).containsKey("http");
    assertThat(byLabel(proxy.get("TCP throughput"), "service").get("db")).isPositive();
    assertThat(byLabel(proxy.get("UDP datagrams per second"), "service").get("dns")).isPositive();
    assertThat(byLabel(control.get("Invalid objects by kind and reason"), "reason"))
        .containsEntry("BackendNotFound", 1.0);
    assertThat(byLabel(control.get("Leader"), "instance").values()).containsOnly(1.0);
    // In ACL mode the caller's service account is known; the stranger stays unknown.
    Map<String, Double> sources = byLabel(web.get("Requests per second by source"), "source");
    assertThat(sources.keySet()).anyMatch(k -> k.endsWith("client")).contains("unknown");
    Map<String, Double> denied = byLabel(web.get("Access denied per second by reason"), "reason");
    assertThat(denied.get("unknown_source")).isPositive();
    assertThat(denied).containsEntry("not_allowed", 0.0).containsEntry("unknown_destination", 0.0);
    // The 50 denials count as 4xx without a backend: 50 of the 1050 measured requests to web.
    assertThat(
            byLabel(web.get("Traffic split by backend (share of requests)"), "backend").get("none"))
        .isCloseTo(50.0 / 1050, within(0.02));
    assertThat(byLabel(control.get("Connected proxies"), "state"))
        .containsEntry("connected", 1.0)
        .containsEntry("behind", 0.0);
    // p50 and p99 of the one change made (the broken split): finite, and well under 5 s.
    List<Double> propagation = new ArrayList<>();
    control
        .get("Propagation time: change to served config (p50, p99)")
        .forEach(r -> propagation.add(r.path("value").get(1).asDouble()));
    assertThat(propagation).hasSize(2).allMatch(v -> v > 0 && v < 5.0);

    // The shipped recording rules (chart/rules/nodemesh-rules.yaml) on the real series: the label
    // values they select (code_class="5xx", le="0.5") are the ones the proxy exports.
    awaitNear(
        "namespace_service:nodemesh_requests_error_ratio:rate5m{namespace=\"demo\",service=\"flaky\"}",
        0.25,
        0.05);
    awaitNear(
        "namespace_service:nodemesh_requests_error_ratio:rate5m{namespace=\"demo\",service=\"web\"}",
        0,
        0);
    awaitNear(
        "namespace_service:nodemesh_requests_slow_ratio:rate5m{namespace=\"demo\",service=\"web\"}",
        0,
        0.01);
    awaitNear(
        "namespace_service:nodemesh_requests:rate5m{namespace=\"demo\",service=\"web\"} > bool 0",
        1,
        0);
  }

  private void awaitNear(String query, double expected, double tolerance) {
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              JsonNode r = query(query).path("data").path("result");
              assertThat(r).as("%s -> %s", query, r).hasSize(1);
              assertThat(r.get(0).path("value").get(1).asDouble())
                  .as(query)
                  .isCloseTo(expected, within(tolerance));
            });
  }

  private static ControllerOptions options() {
    return TestControllers.shippedDebounce("dashboards-it");
  }

  private static int proxyPort(LocalMesh mesh, String service) {
    return mesh.controller().currentConfig().listeners().stream()
        .filter(l -> l.service().equals(service))
        .findFirst()
        .orElseThrow()
        .proxyPort();
  }

  /** {@code n} TCP connections from the allowed caller, each echoing {@code size} bytes. */
  private static int tcp(int port, int n, int size) throws IOException {
    for (int i = 0; i < n; i++) {
      try (Socket s = new Socket()) {
        s.bind(new InetSocketAddress(CLIENT_IP, 0));
        s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
        s.setSoTimeout(5000);
        s.getOutputStream().write(new byte[size]);
        assertThat(s.getInputStream().readNBytes(size)).hasSize(size);
      }
    }
    return n * size;
  }

  /** {@code n} datagrams from the allowed caller, each answered. */
  private static int udp(int port, int n) throws IOException {
    try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(CLIENT_IP, 0))) {
      s.setSoTimeout(5000);
      for (int i = 0; i < n; i++) {
        byte[] ping = "ping".getBytes(StandardCharsets.US_ASCII);
        s.send(new DatagramPacket(ping, ping.length, new InetSocketAddress("127.0.0.1", port)));
        s.receive(new DatagramPacket(new byte[64], 64));
      }
    }
    return n;
  }

  /** Answers 500 to every fourth request, 200 to the others. */
  private static HttpServer flakyBackend() throws IOException {
    return Manifests.failingEvery(4, "ok", "boom");
  }

  private void startPrometheus(int proxyAdmin, int controllerApi, Scraping scraping)
      throws Exception {
    String config =
        """
        global:
          scrape_interval: 1s
          evaluation_interval: 1s
        rule_files: ["%s"]
        scrape_configs:
        """
                .formatted(RULES.toAbsolutePath())
            + switch (scraping) {
              case STATIC ->
                  """
                    - job_name: nodemesh-proxy
                      static_configs: [{targets: ["127.0.0.1:%d"]}]
                    - job_name: nodemesh-controller
                      static_configs: [{targets: ["127.0.0.1:%d"]}]
                  """
                      .formatted(proxyAdmin, controllerApi);
              case PROMETHEUS_OPERATOR ->
                  OperatorScrape.render(CHART).scrapeConfigs(proxyAdmin, controllerApi);
            };
    PrometheusProcess p = PrometheusProcess.start(dir, config);
    closing.add(p::close);
    prometheus = p.uri();
  }

  private HttpResponse<String> get(URI uri) throws Exception {
    return http.send(
        HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /**
   * Sequential keep-alive requests to {@code service.demo.mesh} through the entry port, from a
   * chosen loopback address (which pod the caller is, for ACL mode); returns how many were sent.
   *
   * @param status the status every request must get (200 also accepts the flaky backend's 500)
   */
  private static int send(int entry, String from, String service, int n, int status)
      throws Exception {
    try (HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .localAddress(InetAddress.getByName(from))
            .proxy(ProxySelector.of(new InetSocketAddress("127.0.0.1", entry)))
            .connectTimeout(Duration.ofSeconds(2))
            .build()) {
      URI target = URI.create("http://" + service + ".demo.mesh/");
      for (int i = 0; i < n; i++) {
        int got =
            client
                .send(
                    HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.discarding())
                .statusCode();
        if (status == 200) {
          assertThat(got).as("%s from %s", service, from).isIn(200, 500);
        } else {
          assertThat(got).as("%s from %s", service, from).isEqualTo(status);
        }
      }
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
   * Evaluates every target of every panel of a dashboard, with its variables substituted as Grafana
   * would; asserts each succeeds and (unless its feature is not driven here) has data.
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
        assertThat(expr)
            .as("%s / %s: every variable substituted", dashboard, title)
            .doesNotContain("$");
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
    String e = expr.replace("$__rate_interval", RATE_INTERVAL).replace("$__range", "5m");
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

  /** The caller pod TrafficTarget {@code client-to-backend} allows. */
  private static final String CLIENT_IP = "127.0.0.2";

  /** An address no pod has: ACL mode denies it as an unknown source. */
  private static final String STRANGER_IP = "127.0.0.3";

  private static final String BROKEN_SPLIT =
      """
      apiVersion: split.smi-spec.io/v1alpha4
      kind: TrafficSplit
      metadata: {name: broken, namespace: demo}
      spec:
        service: flaky
        backends: [{service: flaky, weight: 1}, {service: flaky-v9, weight: 1}]
      """;

  private static String mesh(int v1, int v2, int flaky, int db, int dns) {
    StringBuilder y = new StringBuilder();
    for (String svc : List.of("web", "web-v1", "web-v2", "flaky")) {
      y.append(Manifests.service("demo", svc, 80, 8080));
    }
    Map<String, Integer> ports = Map.of("web", v1, "web-v1", v1, "web-v2", v2, "flaky", flaky);
    Stream.of("web", "web-v1", "web-v2", "flaky")
        .forEach(svc -> y.append(Manifests.slice("demo", svc, ports.get(svc), "127.0.0.1")));
    y.append(
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: client-1, namespace: demo}
        spec: {serviceAccountName: client, containers: [{name: app, image: example/app}]}
        status: {phase: Running, podIP: "127.0.0.2"}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: backends-1, namespace: demo}
        spec: {serviceAccountName: backend, containers: [{name: app, image: example/app}]}
        status: {phase: Running, podIP: "127.0.0.1"}
        ---
        apiVersion: specs.smi-spec.io/v1alpha4
        kind: HTTPRouteGroup
        metadata: {name: everything, namespace: demo}
        spec:
          matches: [{name: all, pathRegex: ".*", methods: ["*"]}]
        ---
        apiVersion: specs.smi-spec.io/v1alpha4
        kind: TCPRoute
        metadata: {name: db-port, namespace: demo}
        spec:
          matches: {ports: [%d]}
        ---
        apiVersion: specs.smi-spec.io/v1alpha4
        kind: UDPRoute
        metadata: {name: dns-port, namespace: demo}
        spec:
          matches: {ports: [%d]}
        ---
        apiVersion: access.smi-spec.io/v1alpha3
        kind: TrafficTarget
        metadata: {name: client-to-backend, namespace: demo}
        spec:
          destination: {kind: ServiceAccount, name: backend, namespace: demo}
          sources: [{kind: ServiceAccount, name: client, namespace: demo}]
          rules:
            - {kind: HTTPRouteGroup, name: everything, matches: [all]}
            - {kind: TCPRoute, name: db-port}
            - {kind: UDPRoute, name: dns-port}
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: db
          namespace: demo
          annotations: {nodemesh.io/traffic-type: tcp}
        spec: {ports: [{name: pg, port: 5432, targetPort: 8080}]}
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: db-a
          namespace: demo
          labels: {kubernetes.io/service-name: db}
        addressType: IPv4
        ports: [{name: pg, port: %d}]
        endpoints: [{addresses: ["127.0.0.1"]}]
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: dns
          namespace: demo
          annotations: {nodemesh.io/traffic-type: udp}
        spec: {ports: [{name: dns, port: 53, targetPort: 8080, protocol: UDP}]}
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: dns-a
          namespace: demo
          labels: {kubernetes.io/service-name: dns}
        addressType: IPv4
        ports: [{name: dns, port: %d, protocol: UDP}]
        endpoints: [{addresses: ["127.0.0.1"]}]
        ---
        apiVersion: split.smi-spec.io/v1alpha4
        kind: TrafficSplit
        metadata: {name: canary, namespace: demo}
        spec:
          service: web
          backends: [{service: web-v1, weight: 80}, {service: web-v2, weight: 20}]
        """
            .formatted(db, dns, db, dns));
    return y.toString();
  }
}
