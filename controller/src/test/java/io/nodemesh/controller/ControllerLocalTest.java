package io.nodemesh.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.MeshConfigJson;
import io.nodemesh.controller.common.ProblemReason;
import io.nodemesh.controller.source.FileSource;
import io.nodemesh.testkit.LoopbackHttp;
import io.nodemesh.testkit.Served;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Local mode: a directory of YAML as the cluster, no Kubernetes client. */
class ControllerLocalTest {
  @TempDir Path dir;
  Controller controller;
  final HttpClient http = HttpClient.newHttpClient();

  /** web (http:80) split to web-v1 on 127.0.0.2:8081 and web-v2 on 127.0.0.3:8082. */
  static final String WORLD =
      String.join(
          "---\n",
          service("web"),
          service("web-v1"),
          service("web-v2"),
          slice("web-v1", 8081, "127.0.0.2"),
          slice("web-v2", 8082, "127.0.0.3"));

  /** A controller in local mode on the directory, its API on a free loopback port. */
  static Controller startOn(Path dir) {
    return Controller.start(
        ControllerOptions.defaults().withApi("127.0.0.1", 0), new FileSource(dir), null);
  }

  /** Writes {@link #WORLD} and a split of these weights into the directory. */
  static void writeWorld(Path dir, int w1, int w2) throws IOException {
    Files.writeString(dir.resolve("world.yaml"), WORLD);
    Files.writeString(dir.resolve("split.yaml"), split(w1, w2));
  }

  static String service(String name) {
    return """
        apiVersion: v1
        kind: Service
        metadata: {name: %s}
        spec: {ports: [{name: http, port: 80}]}
        """
        .formatted(name);
  }

  static String slice(String service, int port, String ip) {
    return """
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: {name: %s-a, labels: {kubernetes.io/service-name: %s}}
        addressType: IPv4
        ports: [{name: http, port: %d}]
        endpoints: [{addresses: [%s]}]
        """
        .formatted(service, service, port, ip);
  }

  static String split(int w1, int w2) {
    return """
    apiVersion: split.smi-spec.io/v1alpha4
    kind: TrafficSplit
    metadata: {name: canary}
    spec:
      service: web
      backends: [{service: web-v1, weight: %d}, {service: web-v2, weight: %d}]
    """
        .formatted(w1, w2);
  }

  @AfterEach
  void stop() {
    if (controller != null) {
      controller.close();
    }
    http.close();
  }

  HttpResponse<String> get(String path, String ifNoneMatch) throws Exception {
    return LoopbackHttp.get(
        http, controller.apiPort(), path, "If-None-Match", ifNoneMatch, Duration.ofSeconds(20));
  }

  static List<Integer> weights(MeshConfig c) {
    return Served.splitWeights(c, "default/web:80");
  }

  @Test
  void servesTheDirectoryAndFollowsEdits() throws Exception {
    writeWorld(dir, 90, 10);
    controller = startOn(dir);

    await().atMost(Duration.ofSeconds(5)).until(() -> get("/readyz", null).statusCode() == 200);
    assertThat(controller.isLeader()).isTrue();
    var first = get("/api/v1/config", null);
    MeshConfig config = MeshConfigJson.read(first.body());
    assertThat(config.listeners()).hasSize(3);
    assertThat(weights(config)).containsExactly(90, 10);
    String etag = first.headers().firstValue("ETag").orElseThrow();
    assertThat(etag).isEqualTo("\"" + config.version() + "\"");

    var poll =
        http.sendAsync(
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:" + controller.apiPort() + "/api/v1/config?wait=10"))
                .header("If-None-Match", etag)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    Files.writeString(dir.resolve("split.yaml"), split(20, 80));

    var woke = poll.get(5, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(woke.statusCode()).isEqualTo(200);
    assertThat(weights(MeshConfigJson.read(woke.body()))).containsExactly(20, 80);
  }

  @Test
  void aBrokenFileIsAProblemAndItsLastGoodContentStays() throws Exception {
    writeWorld(dir, 90, 10);
    controller = startOn(dir);
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> weights(controller.currentConfig()).equals(List.of(90, 10)));
    long version = controller.currentConfig().version();

    Files.writeString(
        dir.resolve("split.yaml"), split(20, 80).replace("backends:", "backends: [oops"));

    await().atMost(Duration.ofSeconds(2)).until(() -> !controller.problems().isEmpty());
    assertThat(controller.problems()).singleElement().asString().contains("split.yaml");
    assertThat(get("/api/v1/problems", null).body()).contains("split.yaml");
    assertThat(controller.currentConfig().version()).isEqualTo(version);
    assertThat(weights(controller.currentConfig())).containsExactly(90, 10);
  }

  @Test
  void splitProblemsAreReportedAndTheRestOfTheMeshWorks() throws Exception {
    Files.writeString(dir.resolve("world.yaml"), WORLD);
    Files.writeString(dir.resolve("split.yaml"), split(1, 1).replace("web-v2", "web-v3"));
    controller = startOn(dir);

    await().atMost(Duration.ofSeconds(5)).until(() -> !controller.problems().isEmpty());
    assertThat(controller.problems())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.reason()).isEqualTo(ProblemReason.BACKEND_NOT_FOUND);
              assertThat(p.toString())
                  .contains("TrafficSplit default/canary")
                  .contains("spec.backends[1].service");
            });
    assertThat(weights(controller.currentConfig())).containsExactly(1);
    assertThat(get("/metrics", null).body())
        .contains(
            "nodemesh_controller_invalid_objects{kind=\"TrafficSplit\",reason=\"BackendNotFound\"}"
                + " 1.0")
        .contains("nodemesh_controller_leader 1.0")
        .contains("nodemesh_controller_compile_duration_seconds_count");
  }
}
