package io.nodemesh.proxy.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.nodemesh.config.MeshConfigJson;
import io.nodemesh.config.TrafficReport;
import io.nodemesh.proxy.metrics.ListenerMetrics;
import io.nodemesh.proxy.metrics.ProxyMetrics;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proxy's side of the traffic report, against a loopback stand-in for the controller: it sends
 * what changed since the last report the controller accepted, so a refused one is not lost.
 */
class TrafficReporterTest {
  @TempDir Path dir;
  HttpServer controller;
  final List<TrafficReport> received = new CopyOnWriteArrayList<>();
  final List<String> auth = new CopyOnWriteArrayList<>();
  final AtomicInteger status = new AtomicInteger(204);
  final ProxyMetrics metrics = new ProxyMetrics();

  @BeforeEach
  void start() throws Exception {
    controller = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    controller.createContext(
        "/api/v1/report",
        ex -> {
          received.add(
              MeshConfigJson.mapper()
                  .readValue(ex.getRequestBody().readAllBytes(), TrafficReport.class));
          auth.add(ex.getRequestHeaders().getFirst("Authorization"));
          ex.sendResponseHeaders(status.get(), -1);
          ex.close();
        });
    controller.start();
  }

  @AfterEach
  void stop() {
    controller.stop(0);
    metrics.close();
  }

  @Test
  void sendsDeltasAndFoldsARefusedReportIntoTheNext() throws Exception {
    Path token = dir.resolve("token");
    Files.writeString(token, "t1\n");
    TrafficReporter reporter =
        new TrafficReporter(
            URI.create("http://127.0.0.1:" + controller.getAddress().getPort() + "/"),
            "node-a",
            token,
            null,
            metrics.registry(),
            () -> 42,
            Duration.ofSeconds(5));
    ListenerMetrics web = metrics.listener("shop", "web", 80);
    for (int i = 0; i < 3; i++) {
      web.request("web-v1", "shop/client", "GET", 200, 2_000_000, 0, 0);
    }
    web.request("web-v1", "shop/client", "GET", 503, 2_000_000, 0, 0);

    status.set(503);
    assertThat(reporter.reportOnce()).isFalse();
    web.request("web-v1", "shop/client", "GET", 200, 2_000_000, 0, 0);
    status.set(204);
    assertThat(reporter.reportOnce()).isTrue();
    web.request("web-v2", "shop/client", "GET", 200, 20_000_000, 0, 0);
    Files.writeString(token, "t2\n");
    assertThat(reporter.reportOnce()).isTrue();

    assertThat(received).hasSize(3);
    TrafficReport refused = received.get(0);
    assertThat(refused.node()).isEqualTo("node-a");
    assertThat(refused.configVersion()).isEqualTo(42);
    assertThat(refused.requests())
        .containsExactly(new TrafficReport.Requests("shop/web:80", "web-v1", "shop/client", 4, 1));
    // The refused report's four requests come again, with the one since.
    TrafficReport folded = received.get(1);
    assertThat(folded.requests())
        .containsExactly(new TrafficReport.Requests("shop/web:80", "web-v1", "shop/client", 5, 1));
    assertThat(folded.latencies()).hasSize(1);
    assertThat(folded.latencies().getFirst().counts().stream().mapToLong(Long::longValue).sum())
        .isEqualTo(5);
    assertThat(folded.bounds()).isNotEmpty().isSorted();
    // Then only what is new: one request to web-v2, none to web-v1.
    TrafficReport next = received.get(2);
    assertThat(next.requests())
        .containsExactly(new TrafficReport.Requests("shop/web:80", "web-v2", "shop/client", 1, 0));
    assertThat(auth).containsExactly("Bearer t1", "Bearer t1", "Bearer t2");
    if (Files.exists(Path.of("/proc/self/status"))) {
      assertThat(next.rssBytes()).isPositive();
    }
    assertThat(next.cpuSeconds()).isPositive();
  }
}
