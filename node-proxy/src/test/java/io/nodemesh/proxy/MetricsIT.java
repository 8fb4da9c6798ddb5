package io.nodemesh.proxy;

import static io.nodemesh.proxy.Configs.config;
import static io.nodemesh.proxy.Configs.freePort;
import static io.nodemesh.proxy.Configs.split;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.testkit.Closing;
import io.nodemesh.testkit.HttpBackend;
import io.nodemesh.testkit.MeshConfigs;
import io.nodemesh.testkit.TcpEchoBackend;
import io.nodemesh.testkit.UdpEchoBackend;
import io.nodemesh.testkit.Wire;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The proxy's metrics as Prometheus scrapes them, after real traffic on loopback. */
class MetricsIT {
  @RegisterExtension private final HttpBackend v1 = HttpBackend.start("v1");
  @RegisterExtension private final HttpBackend v2 = HttpBackend.start("v2");
  @RegisterExtension private final Closing closing = new Closing();
  private final NodeProxy proxy = closing.add(Configs.udpIdleProxy());

  @Test
  void tenThousandPathsAndBogusMethodsAddNoSeries() throws Exception {
    int port = freePort();
    proxy.apply(
        config(
            1, MeshConfigs.Listener.SHOP_WEB.on(port, RouteConfig.direct(v1.backend("web", 1)))));
    try (Wire c = new Wire(port)) {
      // Warm up: the series a client can reach at all exist after this.
      assertThat(c.get("/warm", "web.shop.mesh").status()).isEqualTo(200);
      assertThat(c.exchange("BREW /pot HTTP/1.1\r\nHost: web.shop.mesh\r\n\r\n").status())
          .isEqualTo(200);
      long before = Scrape.of(proxy).meshSeries();
      for (int i = 0; i < 10_000; i++) {
        String method = i % 2 == 0 ? "GET" : "X" + Integer.toString(i, 36).toUpperCase();
        Wire.Answer r =
            c.exchange(
                method + " /item/" + i + "?q=" + i + " HTTP/1.1\r\nHost: web.shop.mesh\r\n\r\n");
        assertThat(r.status()).isEqualTo(200);
      }
      Scrape after = Scrape.of(proxy);
      assertThat(after.meshSeries()).isEqualTo(before);
      assertThat(after.sum("nodemesh_requests_total", "method=GET", "code=200")).isEqualTo(5001.0);
      assertThat(after.sum("nodemesh_requests_total", "method=other", "code=200"))
          .isEqualTo(5001.0);
      assertThat(after.series().keySet()).noneMatch(k -> k.contains("/item/") || k.contains("X1"));
    }
  }

  @Test
  void requestsAreLabelledByBackendMethodAndClassWithBytes() throws Exception {
    int port = freePort();
    proxy.apply(
        config(
            1,
            MeshConfigs.Listener.SHOP_WEB.on(
                port,
                split(v1.backend("web", 1), v1.backend("web-v1", 3), v2.backend("web-v2", 1)))));
    String body = "x".repeat(1000);
    try (Wire c = new Wire(port)) {
      for (int i = 0; i < 8; i++) {
        Wire.Answer r =
            c.exchange(
                "POST /orders HTTP/1.1\r\nHost: web.shop.mesh\r\nContent-Length: 1000\r\n\r\n"
                    + body);
        assertThat(r.status()).isEqualTo(200);
      }
      Scrape s = Scrape.of(proxy);
      assertThat(s.sum("nodemesh_requests_total", "backend=web-v1", "method=POST", "code=200"))
          .isEqualTo(6.0);
      assertThat(s.sum("nodemesh_requests_total", "backend=web-v2", "method=POST", "code=200"))
          .isEqualTo(2.0);
      assertThat(s.sum("nodemesh_request_bytes_total", "service=web")).isEqualTo(8000.0);
      // Each backend answers its own name: "v1" or "v2", two bytes.
      assertThat(s.sum("nodemesh_response_bytes_total", "service=web")).isEqualTo(16.0);
      assertThat(s.sum("nodemesh_request_duration_seconds_count", "backend=web-v1")).isEqualTo(6.0);
      assertThat(s.sum("nodemesh_request_duration_seconds_bucket", "backend=web-v2", "le=+Inf"))
          .isEqualTo(2.0);
      assertThat(s.sum("nodemesh_downstream_connections_open", "protocol=http")).isEqualTo(1.0);
      assertThat(s.sum("nodemesh_upstream_connections_open")).isGreaterThanOrEqualTo(1.0);
    }
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () -> Scrape.of(proxy).sum("nodemesh_downstream_connections_open", "protocol=http"),
            v -> v == 0.0);
  }

  @Test
  void aRefusedEndpointCountsAConnectErrorAndA5xx() throws Exception {
    int port = freePort();
    int closed = freePort();
    BackendConfig dead =
        new BackendConfig("web", 1, List.of(EndpointConfig.ready("127.0.0.1", closed)));
    proxy.apply(config(1, MeshConfigs.Listener.SHOP_WEB.on(port, RouteConfig.direct(dead))));
    try (Wire c = new Wire(port)) {
      assertThat(c.get("/", "web.shop.mesh").status()).isEqualTo(502);
    }
    Scrape s = Scrape.of(proxy);
    assertThat(s.sum("nodemesh_upstream_connect_errors_total", "backend=web")).isEqualTo(1.0);
    assertThat(s.sum("nodemesh_requests_total", "backend=web", "code=502", "code_class=5xx"))
        .isEqualTo(1.0);
  }

  @Test
  void statusesAreCountedExactlyWithTheirClass() throws Exception {
    int port = freePort();
    int[] statuses = {404, 429, 503, 504, 404};
    try (HttpBackend b = new HttpBackend("web")) {
      b.status = n -> statuses[(n - 1) % statuses.length];
      BackendConfig web = new BackendConfig("web", 1, List.of(b.endpoint()));
      proxy.apply(config(1, MeshConfigs.Listener.SHOP_WEB.on(port, RouteConfig.direct(web))));
      try (Wire c = new Wire(port)) {
        for (int expected : statuses) {
          assertThat(c.get("/", "web.shop.mesh").status()).isEqualTo(expected);
        }
      }
    }
    Scrape s = Scrape.of(proxy);
    assertThat(s.sum("nodemesh_requests_total", "code=404", "code_class=4xx")).isEqualTo(2.0);
    assertThat(s.sum("nodemesh_requests_total", "code=429", "code_class=4xx")).isEqualTo(1.0);
    assertThat(s.sum("nodemesh_requests_total", "code=503", "code_class=5xx")).isEqualTo(1.0);
    assertThat(s.sum("nodemesh_requests_total", "code=504", "code_class=5xx")).isEqualTo(1.0);
    assertThat(s.sum("nodemesh_requests_total", "code_class=5xx")).isEqualTo(2.0);
  }

  @Test
  void buildInfoJvmAndGcMetricsAndTheAccessLogDropCounterAreExported() {
    Scrape s = Scrape.of(proxy);
    assertThat(s.series().keySet())
        .anyMatch(
            k ->
                k.startsWith("nodemesh_build_info{java=\"" + Runtime.version() + "\",revision=")
                    && k.matches(".*version=\"\\d+\\.\\d+\\.\\d+[^\"]*\"}"));
    assertThat(s.sum("nodemesh_build_info")).isEqualTo(1.0);
    assertThat(s.series()).containsKey("nodemesh_access_log_dropped_total");
    assertThat(s.series()).doesNotContainKey("nodemesh_access_log_dropped");
    assertThat(s.series().keySet())
        .anyMatch(k -> k.startsWith("jvm_memory_used_bytes{"))
        .anyMatch(k -> k.startsWith("jvm_gc_memory_allocated_bytes_total"))
        .anyMatch(k -> k.startsWith("jvm_threads_live_threads"))
        .anyMatch(k -> k.startsWith("process_cpu_usage"));
  }

  @Test
  void reloadsAndRejectedConfigsAreCounted() {
    long t0 = System.currentTimeMillis() / 1000;
    proxy.apply(
        config(
            3,
            MeshConfigs.Listener.SHOP_WEB.on(
                freePort(), RouteConfig.direct(v1.backend("web", 1)))));
    ListenerConfig bad =
        MeshConfigs.Listener.SHOP_WEB.on(
            freePort(),
            RouteConfig.direct(
                new BackendConfig("web", 1, List.of(EndpointConfig.ready("web.local", 80)))));
    assertThatThrownBy(() -> proxy.apply(config(4, bad)))
        .isInstanceOf(IllegalArgumentException.class);
    Scrape s = Scrape.of(proxy);
    assertThat(s.sum("nodemesh_config_version")).isEqualTo(3.0);
    assertThat(s.sum("nodemesh_config_reloads_total")).isEqualTo(1.0);
    assertThat(s.sum("nodemesh_config_reload_failures_total")).isEqualTo(1.0);
    assertThat(s.sum("nodemesh_config_last_reload_timestamp_seconds"))
        .isBetween((double) t0, (double) t0 + 60);
  }

  @Test
  void tcpConnectionsAndBytesArePerBackend() throws Exception {
    try (TcpEchoBackend echo = new TcpEchoBackend("a")) {
      int port = freePort();
      proxy.apply(
          config(1, MeshConfigs.Listener.DB.on(port, RouteConfig.direct(echo.backend("db", 1)))));
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
        s.setSoTimeout(5000);
        s.getOutputStream().write(new byte[300]);
        assertThat(s.getInputStream().readNBytes(300)).hasSize(300);
        Scrape open = Scrape.of(proxy);
        assertThat(open.sum("nodemesh_tcp_connections_open", "backend=db")).isEqualTo(1.0);
        assertThat(open.sum("nodemesh_downstream_connections_open", "protocol=tcp")).isEqualTo(1.0);
        s.shutdownOutput();
        s.getInputStream().readAllBytes();
      }
      byte[] trailer = TcpEchoBackend.trailer("a", 300);
      await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(
              () -> {
                Scrape s = Scrape.of(proxy);
                assertThat(s.sum("nodemesh_tcp_connections_total", "backend=db")).isEqualTo(1.0);
                assertThat(s.sum("nodemesh_tcp_connections_open", "backend=db")).isEqualTo(0.0);
                assertThat(s.sum("nodemesh_tcp_received_bytes_total", "backend=db"))
                    .isEqualTo(300.0);
                assertThat(s.sum("nodemesh_tcp_sent_bytes_total", "backend=db"))
                    .isEqualTo(300.0 + trailer.length);
              });
    }
  }

  @Test
  void udpDatagramsAndSessionsArePerBackend() throws Exception {
    try (UdpEchoBackend echo = new UdpEchoBackend("a")) {
      int port = UdpProxyIT.freeUdpPort();
      proxy.apply(
          config(1, MeshConfigs.Listener.DNS.on(port, RouteConfig.direct(echo.backend("dns", 1)))));
      try (DatagramSocket c = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
        c.setSoTimeout(5000);
        for (int i = 0; i < 3; i++) {
          byte[] q = "ping".getBytes(StandardCharsets.UTF_8);
          c.send(new DatagramPacket(q, q.length, InetAddress.getLoopbackAddress(), port));
          c.receive(new DatagramPacket(new byte[100], 100));
        }
      }
      Scrape s = Scrape.of(proxy);
      assertThat(s.sum("nodemesh_udp_sessions_total", "backend=dns")).isEqualTo(1.0);
      assertThat(s.sum("nodemesh_udp_received_datagrams_total", "backend=dns")).isEqualTo(3.0);
      assertThat(s.sum("nodemesh_udp_sent_datagrams_total", "backend=dns")).isEqualTo(3.0);
      assertThat(s.sum("nodemesh_udp_received_bytes_total", "backend=dns")).isEqualTo(12.0);
      // The echo prefixes "a:".
      assertThat(s.sum("nodemesh_udp_sent_bytes_total", "backend=dns")).isEqualTo(18.0);
      // The idle timeout (200 ms) closes the session.
      await()
          .atMost(Duration.ofSeconds(5))
          .until(
              () -> Scrape.of(proxy).sum("nodemesh_udp_sessions_open", "backend=dns"),
              v -> v == 0.0);
    }
  }
}
