package io.nodemesh.controller.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.helidon.webserver.WebServer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.MeshConfigJson;
import io.nodemesh.controller.common.Problem;
import io.nodemesh.controller.common.ProblemReason;
import io.nodemesh.testkit.LoopbackHttp;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ConfigApiTest {
  final ConfigHub hub = new ConfigHub(MeshConfig.empty());
  final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  final HttpClient http = HttpClient.newHttpClient();
  volatile List<Problem> problems = List.of();
  WebServer server;

  @BeforeEach
  void start() {
    Counter.builder("nodemesh.controller.test.events").register(registry).increment(3);
    server =
        WebServer.builder()
            .host("127.0.0.1")
            .port(0)
            .routing(r -> ConfigApi.routing(r, hub, () -> problems, registry))
            .build()
            .start();
  }

  @AfterEach
  void stop() {
    server.stop();
    http.close();
  }

  HttpResponse<String> get(String path, String ifNoneMatch) throws Exception {
    return LoopbackHttp.get(
        http, server.port(), path, "If-None-Match", ifNoneMatch, Duration.ofSeconds(20));
  }

  CompletableFuture<HttpResponse<String>> getAsync(String path, String ifNoneMatch) {
    var b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
            .timeout(Duration.ofSeconds(20))
            .header("If-None-Match", ifNoneMatch);
    return http.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Publishes an empty config of this version. */
  private void publish(long version) {
    hub.publish(new MeshConfig(version, "mesh", List.of()), true);
  }

  /** The long poll is still parked, and stays so for 200 ms. */
  private static void assertStillWaiting(java.util.concurrent.Future<?> pending) {
    await()
        .during(Duration.ofMillis(200))
        .atMost(Duration.ofSeconds(2))
        .until(() -> !pending.isDone());
  }

  @Test
  void servesTheConfigWithItsVersionAsAQuotedEtag() throws Exception {
    publish(42);

    var r = get("/api/v1/config", null);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("ETag")).contains("\"42\"");
    assertThat(r.headers().firstValue("Content-Type"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
    assertThat(MeshConfigJson.read(r.body()).version()).isEqualTo(42);
  }

  @Test
  void anOlderVersionGetsTheCurrentConfigAtOnce() throws Exception {
    publish(42);
    var r = get("/api/v1/config?wait=30", "\"41\"");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("ETag")).contains("\"42\"");
  }

  @Test
  void theCurrentVersionWaitsAndAnswers304WhenNothingChanges() throws Exception {
    publish(42);
    long start = System.nanoTime();
    var r = get("/api/v1/config?wait=1", "W/\"42\"");
    assertThat(r.statusCode()).isEqualTo(304);
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .isGreaterThanOrEqualTo(Duration.ofMillis(900));
    assertThat(get("/api/v1/config?wait=0", "42").statusCode()).isEqualTo(304);
  }

  @Test
  void aClientAheadOfThisReplicaWaitsForSomethingNewer() throws Exception {
    publish(42);
    assertThat(get("/api/v1/config?wait=1", "\"50\"").statusCode()).isEqualTo(304);

    var pending = getAsync("/api/v1/config?wait=15", "\"50\"");
    assertStillWaiting(pending);
    publish(45);
    assertStillWaiting(pending);
    publish(51);

    var r = pending.get(5, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("ETag")).contains("\"51\"");
  }

  @Test
  void aWaitingRequestWakesUpWithTheNewVersion() throws Exception {
    publish(42);
    var pending = getAsync("/api/v1/config?wait=15", "\"42\"");
    // The request must be parked in the hub before the new version is published.
    assertStillWaiting(pending);

    publish(43);

    var r = pending.get(5, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("ETag")).contains("\"43\"");
    assertThat(MeshConfigJson.read(r.body()).version()).isEqualTo(43);
  }

  @Test
  void manyLongPollsDoNotBlockOtherRequests() throws Exception {
    publish(42);
    List<CompletableFuture<HttpResponse<String>>> polls =
        java.util.stream.IntStream.range(0, 300)
            .mapToObj(i -> getAsync("/api/v1/config?wait=10", "\"42\""))
            .toList();
    assertThat(get("/healthz", null).statusCode()).isEqualTo(200);
    publish(44);
    for (var p : polls) {
      assertThat(p.get(10, java.util.concurrent.TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void readyOnlyAfterTheFirstConfigFromASyncedSource() throws Exception {
    assertThat(get("/readyz", null).statusCode()).isEqualTo(503);
    assertThat(get("/healthz", null).statusCode()).isEqualTo(200);
    publish(1);
    assertThat(get("/readyz", null).statusCode()).isEqualTo(200);
  }

  @Test
  void problemsAndMetricsAreServed() throws Exception {
    problems =
        List.of(
            new Problem(
                "TrafficSplit",
                "shop",
                "s",
                "spec.service",
                "root Service 'x' not found",
                ProblemReason.SERVICE_NOT_FOUND));

    var p = get("/api/v1/problems", null);
    assertThat(p.statusCode()).isEqualTo(200);
    assertThat(p.body())
        .contains("\"kind\":\"TrafficSplit\"")
        .contains("\"field\":\"spec.service\"")
        .contains("\"reason\":\"ServiceNotFound\"");

    var m = get("/metrics", null);
    assertThat(m.statusCode()).isEqualTo(200);
    assertThat(m.body()).contains("nodemesh_controller_test_events_total 3.0");
  }
}
