package io.nodemesh.proxy.accesslog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccessLogTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static AccessLogEntry entry(String path) {
    return new AccessLogEntry(
        1_700_000_000_123L,
        "http",
        "10.0.0.5:43210",
        null,
        "shop/web:80",
        "web-v2",
        "10.1.0.7:8080",
        "GET",
        path,
        503,
        2_500_000,
        0,
        42,
        1,
        "4bf92f3577b34da6a3ce929d0e0e4736");
  }

  @Test
  void writesOneJsonObjectPerLineWithEveryField(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("access.log");
    try (AccessLog log = AccessLog.open(file.toString())) {
      log.log(entry("/a?b=\"c\""));
      log.log(entry("/second"));
    }
    List<String> lines = Files.readAllLines(file);
    assertThat(lines).hasSize(2);
    JsonNode n = JSON.readTree(lines.get(0));
    assertThat(n.get("time").asText()).isEqualTo("2023-11-14T22:13:20.123Z");
    assertThat(n.get("protocol").asText()).isEqualTo("http");
    assertThat(n.get("source").asText()).isEqualTo("10.0.0.5:43210");
    assertThat(n.has("source_identity")).isFalse();
    assertThat(n.get("destination").asText()).isEqualTo("shop/web:80");
    assertThat(n.get("backend").asText()).isEqualTo("web-v2");
    assertThat(n.get("endpoint").asText()).isEqualTo("10.1.0.7:8080");
    assertThat(n.get("method").asText()).isEqualTo("GET");
    assertThat(n.get("path").asText()).isEqualTo("/a?b=\"c\"");
    assertThat(n.get("status").asInt()).isEqualTo(503);
    assertThat(n.get("duration_ms").asDouble()).isEqualTo(2.5);
    assertThat(n.get("bytes_in").asLong()).isZero();
    assertThat(n.get("bytes_out").asLong()).isEqualTo(42);
    assertThat(n.get("retries").asInt()).isEqualTo(1);
    assertThat(n.get("trace_id").asText()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
  }

  @Test
  void aStalledWriterDropsAndCountsInsteadOfBlocking() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    OutputStream slow =
        new OutputStream() {
          @Override
          public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
          }

          @Override
          public void write(byte[] b, int off, int len) throws IOException {
            try {
              // A disk that hangs until the test lets it go.
              release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            sink.write(b, off, len);
          }
        };
    AccessLog log = AccessLog.to(slow, 4);
    long start = System.nanoTime();
    for (int i = 0; i < 100; i++) {
      log.log(entry("/" + i));
    }
    // 100 calls against a stalled disk return at once.
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
    assertThat(log.dropped()).isGreaterThanOrEqualTo(90);
    release.countDown();
    log.close();
    long lines = sink.toString(StandardCharsets.UTF_8).lines().count();
    assertThat(lines + (long) log.dropped()).isEqualTo(100);
  }

  @Test
  void anUnwritableFileIsOneClearError(@TempDir Path dir) {
    Path missing = dir.resolve("no/such/dir/access.log");
    assertThatThrownBy(() -> AccessLog.open(missing.toString()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("access log '" + missing + "' cannot be opened");
  }

  @Test
  void disabledLogsNothing() {
    AccessLog off = AccessLog.disabled();
    off.log(entry("/"));
    assertThat(off.enabled()).isFalse();
    assertThat(off.dropped()).isZero();
  }

  @Test
  void linesAppearWithoutClosing(@TempDir Path dir) {
    Path file = dir.resolve("live.log");
    AccessLog log = AccessLog.open(file.toString());
    try {
      log.log(entry("/live"));
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> Files.exists(file) && Files.readString(file).contains("/live"));
    } finally {
      log.close();
    }
  }
}
