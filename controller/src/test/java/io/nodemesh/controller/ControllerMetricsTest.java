package io.nodemesh.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The controller's own metrics: timings, propagation, connected proxies. */
class ControllerMetricsTest {
  @TempDir Path dir;
  Controller controller;
  final HttpClient http = HttpClient.newHttpClient();

  @AfterEach
  void stop() {
    if (controller != null) {
      controller.close();
    }
    http.close();
  }

  private HttpResponse<String> get(String path, String node, String ifNoneMatch) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + controller.apiPort() + path));
    if (node != null) {
      b.header("X-Nodemesh-Node", node);
    }
    if (ifNoneMatch != null) {
      b.header("If-None-Match", ifNoneMatch);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private double value(String metrics, String series) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(metrics);
    assertThat(m.find()).as("series %s in%n%s", series, metrics).isTrue();
    return Double.parseDouble(m.group(1));
  }

  /** Starts the controller on {@link ControllerLocalTest#WORLD}: the version it first serves. */
  private long startOnTheWorld() throws IOException {
    Files.writeString(dir.resolve("world.yaml"), ControllerLocalTest.WORLD);
    controller = ControllerLocalTest.startOn(dir);
    await().atMost(Duration.ofSeconds(5)).until(() -> controller.currentConfig().version() > 0);
    return controller.currentConfig().version();
  }

  @Test
  void aChangeIsTimedFromTheFileToTheServedConfig() throws Exception {
    long before = startOnTheWorld();
    Files.writeString(dir.resolve("split.yaml"), ControllerLocalTest.split(1, 1));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> controller.currentConfig().version() > before);
    String m = get("/metrics", null, null).body();
    assertThat(value(m, "nodemesh_controller_propagation_duration_seconds_count"))
        .isGreaterThanOrEqualTo(1);
    // The file watcher and the debounce make it take some milliseconds, not nothing.
    assertThat(value(m, "nodemesh_controller_propagation_duration_seconds_sum")).isPositive();
    assertThat(value(m, "nodemesh_controller_topology_duration_seconds_count"))
        .isGreaterThanOrEqualTo(2);
    assertThat(m)
        .contains("nodemesh_controller_compile_duration_seconds_bucket{le=\"0.001\"}")
        .contains("nodemesh_controller_propagation_duration_seconds_bucket{le=\"+Inf\"}");
  }

  @Test
  void buildInfoAndJvmMetricsAreServed() throws Exception {
    controller = ControllerLocalTest.startOn(dir);
    String m = get("/metrics", null, null).body();
    assertThat(m)
        .containsPattern(
            "(?m)^nodemesh_build_info\\{java=\""
                + Pattern.quote(Runtime.version().toString())
                + "\",revision=\"[^\"]+\",version=\"\\d+\\.\\d+\\.\\d+[^\"]*\"} 1(\\.0)?$")
        .containsPattern("(?m)^jvm_memory_used_bytes\\{")
        .containsPattern("(?m)^jvm_threads_live_threads ")
        .containsPattern("(?m)^jvm_gc_memory_allocated_bytes_total ")
        .containsPattern("(?m)^process_cpu_usage ");
  }

  @Test
  void proxiesAreCountedByNodeWithTheOnesBehind() throws Exception {
    long current = startOnTheWorld();
    get("/api/v1/config", "node-a", null);
    get("/api/v1/config?wait=0", "node-b", "\"" + current + "\"");
    get("/api/v1/config?wait=0", "node-c", "\"" + (current - 1) + "\"");
    String m = get("/metrics", null, null).body();
    assertThat(value(m, "nodemesh_controller_proxies{state=\"connected\"}")).isEqualTo(3.0);
    // node-a holds nothing yet, node-c an older version.
    assertThat(value(m, "nodemesh_controller_proxies{state=\"behind\"}")).isEqualTo(2.0);
  }
}
