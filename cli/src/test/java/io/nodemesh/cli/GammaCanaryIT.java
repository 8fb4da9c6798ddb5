package io.nodemesh.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.testkit.HttpBackend;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Gateway API (GAMMA) routes end to end in local mode, through the real controller (HTTPRoute files
 * next to the Services) and the real proxy (issue 17): a canary stepped the way Flagger's {@code
 * gatewayapi} provider steps one, by rewriting the HTTPRoute's backendRef weights while clients
 * call without pause, and the 404 and header match of the rules.
 */
class GammaCanaryIT {
  private static final URI PODINFO = URI.create("http://podinfo.test.mesh:9898/");

  /** Requests counted per step once the proxy serves its weights: enough for a ±10 points bound. */
  private static final int REQUESTS_PER_STEP = 400;

  private static final int CLIENTS = 3;

  @TempDir Path world;
  @RegisterExtension final HttpBackend primary = HttpBackend.start("podinfo-primary");
  @RegisterExtension final HttpBackend canary = HttpBackend.start("podinfo-canary");
  private final List<AutoCloseable> closing = new ArrayList<>();

  @AfterEach
  void stop() {
    Lifecycle.closeAll(closing.reversed().toArray(AutoCloseable[]::new));
  }

  @Test
  void flaggerWeightStepsMoveTheTrafficAtEachStepWithNoFailedRequest() throws Exception {
    LocalMesh mesh = start(route(100, 0));
    awaitServed(mesh, 100, 0);

    // Clients call podinfo without pause for the whole canary. Each answer is counted in the
    // bucket that was open when its request was sent; a bucket opens only once the proxy has
    // applied the step's config, so the requests of a bucket all went through that step's weights.
    AtomicReference<Map<String, AtomicInteger>> bucket =
        new AtomicReference<>(new ConcurrentHashMap<>());
    Queue<String> failures = new ConcurrentLinkedQueue<>();
    AtomicInteger sent = new AtomicInteger();
    AtomicBoolean running = new AtomicBoolean(true);
    List<Thread> clients = new ArrayList<>();
    for (int i = 0; i < CLIENTS; i++) {
      clients.add(
          Thread.ofPlatform()
              .name("gamma-canary-client-" + i)
              .start(() -> call(mesh, running, bucket, sent, failures)));
    }
    closing.add(
        () -> {
          running.set(false);
          for (Thread t : clients) {
            t.join(Duration.ofSeconds(30));
          }
        });

    // Flagger's gatewayapi provider: primary 100/canary 0, then stepWeight 10 up to maxWeight 50
    // (here 10, 20, 50), the canary alone as a full shift, and the promotion back to the primary.
    int[][] steps = {{100, 0}, {90, 10}, {80, 20}, {50, 50}, {0, 100}, {100, 0}};
    for (int[] step : steps) {
      int primaryWeight = step[0];
      int canaryWeight = step[1];
      write(world.resolve("route.yaml"), route(primaryWeight, canaryWeight));
      awaitServed(mesh, primaryWeight, canaryWeight);
      Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
      bucket.set(counts);
      await()
          .atMost(Duration.ofSeconds(120))
          .until(() -> total(counts) >= REQUESTS_PER_STEP || !failures.isEmpty());
      assertThat(failures).as("failed requests up to step %s", step).isEmpty();
      Map<String, Integer> answered = snapshot(counts);
      int n = answered.values().stream().mapToInt(Integer::intValue).sum();
      double canaryShare = answered.getOrDefault("podinfo-canary", 0) / (double) n;
      assertThat(answered.keySet())
          .as("answers at %d/%d", primaryWeight, canaryWeight)
          .isSubsetOf("podinfo-primary", "podinfo-canary");
      // Weight 0 is no traffic at all (Gateway API); the others within 10 points of the weight.
      assertThat(canaryShare)
          .as("canary share at %d/%d: %s", primaryWeight, canaryWeight, answered)
          .isCloseTo(
              canaryWeight / 100.0, within(canaryWeight == 0 || canaryWeight == 100 ? 0.0 : 0.1));
    }
    running.set(false);
    for (Thread t : clients) {
      t.join(Duration.ofSeconds(30));
    }
    assertThat(failures).as("failed requests").isEmpty();
    assertThat(sent.get()).isGreaterThanOrEqualTo(steps.length * REQUESTS_PER_STEP);
    assertThat(canary.requests.get()).isPositive();
  }

  @Test
  void aRequestMatchingNoRuleGets404AndAHeaderMatchPicksItsBackend() throws Exception {
    LocalMesh mesh =
        start(
            """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: podinfo, namespace: test}
            spec:
              parentRefs: [{name: podinfo, kind: Service, group: "", port: 9898}]
              rules:
              - matches:
                - path: {type: PathPrefix, value: /api}
                  headers: [{name: x-canary, value: always}]
                backendRefs: [{name: podinfo-canary, port: 9898}]
              - matches:
                - path: {type: PathPrefix, value: /api}
                backendRefs: [{name: podinfo-primary, port: 9898}]
            """);
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              MeshConfig served = mesh.controller().currentConfig();
              assertThat(listener(served).route().rules()).hasSize(2);
              assertThat(mesh.proxy().appliedVersion()).isEqualTo(served.version());
            });
    try (HttpClient client = client(mesh)) {
      HttpResponse<String> none = get(client, "/", Map.of());
      assertThat(none.statusCode()).as("no rule matches /").isEqualTo(404);
      HttpResponse<String> other = get(client, "/apiary", Map.of("x-canary", "always"));
      assertThat(other.statusCode()).as("PathPrefix /api does not match /apiary").isEqualTo(404);

      HttpResponse<String> plain = get(client, "/api/info", Map.of());
      assertThat(plain.statusCode()).isEqualTo(200);
      assertThat(plain.body()).isEqualTo("podinfo-primary");
      HttpResponse<String> wrong = get(client, "/api/info", Map.of("x-canary", "never"));
      assertThat(wrong.body()).isEqualTo("podinfo-primary");
      // Header names match case-insensitively (Gateway API, RFC 9110 section 5.1).
      HttpResponse<String> matched = get(client, "/api/info", Map.of("X-Canary", "always"));
      assertThat(matched.statusCode()).isEqualTo(200);
      assertThat(matched.body()).as("header match").isEqualTo("podinfo-canary");
    }
    assertThat(canary.lastUri).isEqualTo("/api/info");
    assertThat(primary.requests.get()).isEqualTo(2);
    assertThat(canary.requests.get()).isEqualTo(1);
  }

  private LocalMesh start(String route) throws Exception {
    Files.writeString(world.resolve("podinfo.yaml"), services());
    write(world.resolve("route.yaml"), route);
    LocalMesh mesh =
        LocalMesh.start(world, TestControllers.shippedDebounce("gamma-canary-it"), 0, 0);
    closing.add(mesh);
    assertThat(mesh.awaitListeners(3, Duration.ofSeconds(30))).isTrue();
    return mesh;
  }

  /**
   * One client: sequential requests on one keep-alive connection pool until told to stop. Anything
   * but a 200 from one of the two versions is a failure.
   */
  private static void call(
      LocalMesh mesh,
      AtomicBoolean running,
      AtomicReference<Map<String, AtomicInteger>> bucket,
      AtomicInteger sent,
      Queue<String> failures) {
    try (HttpClient client = client(mesh)) {
      while (running.get()) {
        Map<String, AtomicInteger> counts = bucket.get();
        sent.incrementAndGet();
        try {
          HttpResponse<String> r = get(client, "/", Map.of());
          if (r.statusCode() != 200) {
            failures.add(r.statusCode() + " " + r.body());
          } else {
            counts.computeIfAbsent(r.body(), k -> new AtomicInteger()).incrementAndGet();
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        } catch (Exception e) {
          failures.add(e.toString());
        }
      }
    }
  }

  private static HttpClient client(LocalMesh mesh) {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .proxy(ProxySelector.of(new InetSocketAddress("127.0.0.1", mesh.proxy().entryPort())))
        .connectTimeout(Duration.ofSeconds(10))
        .build();
  }

  private static HttpResponse<String> get(HttpClient client, String path, Map<String, String> h)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(PODINFO.resolve(path)).timeout(Duration.ofSeconds(30));
    h.forEach(b::header);
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Waits until the controller serves these weights and the proxy has applied that config. */
  private static void awaitServed(LocalMesh mesh, int primary, int canary) {
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              MeshConfig served = mesh.controller().currentConfig();
              ListenerConfig l = listener(served);
              assertThat(l.route().rules()).hasSize(1);
              Map<String, Integer> weights = new HashMap<>();
              for (BackendConfig b : l.route().rules().get(0).backends()) {
                weights.put(b.service(), b.weight());
              }
              assertThat(weights)
                  .isEqualTo(Map.of("podinfo-primary", primary, "podinfo-canary", canary));
              assertThat(mesh.proxy().appliedVersion()).isEqualTo(served.version());
            });
  }

  private static ListenerConfig listener(MeshConfig served) {
    return served.listeners().stream()
        .filter(l -> l.namespace().equals("test") && l.service().equals("podinfo"))
        .findFirst()
        .orElseThrow();
  }

  /**
   * The HTTPRoute as Flagger's gatewayapi provider writes it for a Canary whose gatewayRefs name
   * the apex Service (examples/flagger-gatewayapi/canary.yaml): parentRef the Service with its
   * port, one rule matching every path, the primary and canary Services as weighted backendRefs.
   */
  private static String route(int primary, int canary) {
    return """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata:
          name: podinfo
          namespace: test
          ownerReferences:
            - {apiVersion: flagger.app/v1beta1, kind: Canary, name: podinfo, uid: 0b6b3f5e-0000-4c39-9a51-000000000002, controller: true}
        spec:
          parentRefs:
            - {name: podinfo, namespace: test, group: core, kind: Service, port: 9898}
          rules:
            - matches:
                - path: {type: PathPrefix, value: /}
              backendRefs:
                - {group: "", kind: Service, name: podinfo-primary, port: 9898, weight: %d}
                - {group: "", kind: Service, name: podinfo-canary, port: 9898, weight: %d}
        """
        .formatted(primary, canary);
  }

  /** The apex Service (whose own endpoints are the primary's, as Flagger leaves them) and both. */
  private String services() {
    StringBuilder y = new StringBuilder();
    Map<String, HttpBackend> backends =
        Map.of("podinfo", primary, "podinfo-primary", primary, "podinfo-canary", canary);
    for (String svc : List.of("podinfo", "podinfo-primary", "podinfo-canary")) {
      HttpBackend b = backends.get(svc);
      y.append(Manifests.service("test", svc, 9898, 9898))
          .append(Manifests.slice("test", svc, b.port(), b.host()));
    }
    return y.toString();
  }

  /**
   * Replaces a file in one step, as the API server replaces an object: the controller never reads a
   * half-written route (a dotfile is not read, FileSource).
   */
  private static void write(Path file, String text) {
    Manifests.replace(file, text);
  }

  private static int total(Map<String, AtomicInteger> counts) {
    return counts.values().stream().mapToInt(AtomicInteger::get).sum();
  }

  private static Map<String, Integer> snapshot(Map<String, AtomicInteger> counts) {
    Map<String, Integer> out = new HashMap<>();
    counts.forEach((k, v) -> out.put(k, v.get()));
    return out;
  }
}
