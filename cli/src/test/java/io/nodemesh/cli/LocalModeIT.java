package io.nodemesh.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nodemesh.controller.ControllerOptions;
import io.nodemesh.testkit.Wire;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Local mode on YAML written the way a user would write it (not by our own generators): a List,
 * comments, an FQDN root and an older TrafficSplit version; real loopback backends.
 */
class LocalModeIT {
  private static final Set<String> BACKENDS = Set.of("web-v1", "web-v2");

  @TempDir Path dir;
  private DemoBackend v1;
  private DemoBackend v2;
  private LocalMesh mesh;

  @BeforeEach
  void start() throws Exception {
    v1 = DemoBackend.start("web-v1", "127.0.0.1", 0);
    v2 = DemoBackend.start("web-v2", "127.0.0.1", 0);
    Files.writeString(dir.resolve("services.yaml"), services());
    Files.writeString(dir.resolve("endpointslices.yml"), slices(v1.port(), v2.port()));
    writeSplit(90, 10);
    ControllerOptions options = TestControllers.shippedDebounce("local-it");
    mesh = LocalMesh.start(dir, options, 0, 0);
    assertThat(mesh.awaitListeners(1, Duration.ofSeconds(10))).isTrue();
  }

  @AfterEach
  void stop() {
    Lifecycle.closeAll(mesh == null ? () -> {} : mesh, v1, v2);
  }

  private URI entry() {
    return URI.create("http://127.0.0.1:" + mesh.proxy().entryPort() + "/");
  }

  @Test
  void splitsByWeightThroughTheEntryPortAsHttpProxy() throws Exception {
    HttpClient viaProxy =
        HttpClient.newBuilder()
            .proxy(ProxySelector.of(new InetSocketAddress("127.0.0.1", mesh.proxy().entryPort())))
            .version(HttpClient.Version.HTTP_1_1)
            .build();
    Map<String, Integer> seen = new java.util.TreeMap<>();
    for (int i = 0; i < 500; i++) {
      seen.merge(Traffic.once(viaProxy, URI.create("http://web.shop.mesh/")), 1, Integer::sum);
    }
    assertThat(seen.keySet()).containsExactlyInAnyOrder("web-v1", "web-v2");
    assertThat(seen.get("web-v1")).isBetween(435, 465);
  }

  @Test
  void hostHeaderRoutesAndUnknownHostIs404() throws Exception {
    assertThat(rawGet(mesh.proxy().entryPort(), "web.shop.mesh:80")).contains(" 200 ");
    assertThat(rawGet(mesh.proxy().entryPort(), "WEB.Shop.mesh.")).contains(" 200 ");
    assertThat(rawGet(mesh.proxy().entryPort(), "nope.shop.mesh"))
        .startsWith("HTTP/1.1 404")
        .contains("nope.shop.mesh");
  }

  @Test
  void editingTheSplitMovesTrafficWithin2sWithoutFailingARequest() throws Exception {
    URI proxyUri = URI.create("http://web.shop.mesh/");
    try (ProxyLoad load = new ProxyLoad(mesh.proxy().entryPort(), proxyUri, 4)) {
      await().atMost(Duration.ofSeconds(5)).until(() -> load.load.sent.get() > 200);
      long edited = System.nanoTime();
      writeSplit(0, 100);
      int before = load.load.sent.get();
      // Before the edit smooth WRR never answers web-v2 twice in a row; after it, every answer is
      // web-v2, so a run of 50 shows the new weights are in force on the live connections.
      await()
          .atMost(Duration.ofSeconds(2))
          .pollInterval(Duration.ofMillis(10))
          .until(() -> load.load.streakOf("web-v2") >= 50);
      Duration took = Duration.ofNanos(System.nanoTime() - edited);
      await().atMost(Duration.ofSeconds(5)).until(() -> load.load.sent.get() > before + 300);
      load.load.close();
      assertThat(load.load.failures(BACKENDS)).isEmpty();
      assertThat(took).isLessThan(Duration.ofSeconds(2));
    }
  }

  @Test
  void brokenYamlIsReportedAndTheRestKeepsRouting() throws Exception {
    Files.writeString(
        dir.resolve("broken.yaml"), "apiVersion: v1\nkind: Service\nmetadata: [oops\n");
    Files.writeString(
        dir.resolve("bad-split.yaml"),
        """
        apiVersion: split.smi-spec.io/v1alpha4
        kind: TrafficSplit
        metadata: {name: ghost-split, namespace: shop}
        spec:
          service: web
          backends:
          - {service: ghost, weight: 5}
        """);
    await()
        .atMost(Duration.ofSeconds(3))
        .untilAsserted(
            () ->
                assertThat(mesh.controller().problems().toString())
                    .contains("broken.yaml")
                    .contains("ghost"));
    Map<String, Integer> seen =
        Traffic.split(URI.create("http://127.0.0.1:" + webPort() + "/"), 100);
    assertThat(seen.keySet()).isSubsetOf(BACKENDS);
  }

  @Test
  void serviceListenerServesTheSameSplit() {
    Map<String, Integer> seen =
        Traffic.split(URI.create("http://127.0.0.1:" + webPort() + "/"), 200);
    assertThat(seen).containsEntry("web-v1", 180).containsEntry("web-v2", 20);
  }

  private int webPort() {
    return mesh.controller().currentConfig().listeners().stream()
        .filter(l -> l.service().equals("web") && l.namespace().equals("shop"))
        .findFirst()
        .orElseThrow()
        .proxyPort();
  }

  private static String rawGet(int port, String host) throws IOException {
    try (Wire w = new Wire(port)) {
      return w.send("GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n").drain();
    }
  }

  /** Replaces split.yaml atomically, as editors that write a temp file and rename do. */
  private void writeSplit(int w1, int w2) {
    Manifests.replace(
        dir.resolve("split.yaml"),
        """
          # Canary for the web tier: written by the platform team
          apiVersion: split.smi-spec.io/v1alpha3
          kind: TrafficSplit
          metadata:
            name: web-canary
            namespace: shop
          spec:
            service: web.shop.svc.cluster.local
            backends:
              - service: web-v1
                weight: %d
              - service: web-v2
                weight: %d
          """
            .formatted(w1, w2));
  }

  private static String services() {
    return """
        apiVersion: v1
        kind: List
        items:
        - apiVersion: v1
          kind: Service
          metadata:
            name: web
            namespace: shop
            labels: {app: web}
          spec:
            ports:
            - name: http
              port: 80
              targetPort: 8080
        - apiVersion: v1
          kind: Service
          metadata: {name: web-v1, namespace: shop}
          spec:
            ports: [{name: http, port: 80, targetPort: 8080}]
        - apiVersion: v1
          kind: Service
          metadata: {name: web-v2, namespace: shop}
          spec:
            ports: [{name: http, port: 80, targetPort: 8080}]
        """;
  }

  private static String slices(int p1, int p2) {
    return """
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: web-abcde
          namespace: shop
          labels:
            kubernetes.io/service-name: web
        addressType: IPv4
        ports:
          - name: http
            port: %1$d
            protocol: TCP
        endpoints:
          - addresses: ["127.0.0.1"]
            conditions: {ready: true}
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: web-v1-xyz12
          namespace: shop
          labels:
            kubernetes.io/service-name: web-v1
        addressType: IPv4
        ports:
          - name: http
            port: %1$d
        endpoints:
          - addresses: ["127.0.0.1"]
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: web-v2-qwert
          namespace: shop
          labels:
            kubernetes.io/service-name: web-v2
        addressType: IPv4
        ports:
          - name: http
            port: %2$d
        endpoints:
          - addresses: ["127.0.0.1"]
            conditions:
              ready: true
        """
        .formatted(p1, p2);
  }

  /** A {@link Traffic.Load} that calls through the entry port used as an HTTP proxy. */
  private static final class ProxyLoad implements AutoCloseable {
    final Traffic.Load load;

    ProxyLoad(int entryPort, URI uri, int clients) {
      load = new Traffic.Load(uri, clients, entryPort);
    }

    @Override
    public void close() throws InterruptedException {
      load.close();
    }
  }
}
