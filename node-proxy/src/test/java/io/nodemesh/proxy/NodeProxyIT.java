package io.nodemesh.proxy;

import static io.nodemesh.proxy.Configs.config;
import static io.nodemesh.proxy.Configs.freePort;
import static io.nodemesh.proxy.Configs.http;
import static io.nodemesh.proxy.Configs.local;
import static io.nodemesh.proxy.Configs.split;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.proxy.upstream.HttpProxySettings;
import io.nodemesh.testkit.Async;
import io.nodemesh.testkit.HttpBackend;
import io.nodemesh.testkit.MeshConfigs;
import io.nodemesh.testkit.Wire;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The proxy on loopback with real backends. */
class NodeProxyIT {

  @RegisterExtension private final HttpBackend v1 = HttpBackend.start("v1");
  @RegisterExtension private final HttpBackend v2 = HttpBackend.start("v2");
  private NodeProxy proxy;

  @AfterEach
  void stop() {
    if (proxy != null) {
      proxy.close();
    }
  }

  /** A proxy started with {@code options}, {@code default/web} routed to v1; its listener port. */
  private int webToV1(ProxyOptions options) {
    return webToV1(options, HttpProxySettings.defaults());
  }

  private int webToV1(ProxyOptions options, HttpProxySettings settings) {
    int port = freePort();
    proxy = NodeProxy.start(options, settings);
    proxy.apply(
        config(1, MeshConfigs.Listener.WEB.on(port, RouteConfig.direct(v1.backend("web", 1)))));
    return port;
  }

  /** A GET of {@code path} on {@code c} that v1 has received and holds until released. */
  private CompletableFuture<Wire.Answer> heldAtV1(Wire c, String path) {
    v1.hold = new CountDownLatch(1);
    CompletableFuture<Wire.Answer> answer = Async.call(() -> c.get(path, "web.default.mesh"));
    await().atMost(Duration.ofSeconds(5)).until(() -> v1.received.get() == 1);
    return answer;
  }

  /** A proxy with an entry port and {@code default/whoami} routed to v1. */
  private void entryToWhoami() {
    proxy = NodeProxy.start(local().withEntryPort(0));
    proxy.apply(
        config(
            1,
            http(
                "default", "whoami", 80, freePort(), RouteConfig.direct(v1.backend("whoami", 1)))));
  }

  /** A proxy where {@code default/web} splits w1:w2 between v1 and v2; the listener port. */
  private int weighted(int w1, int w2) {
    int port = freePort();
    proxy = NodeProxy.start(local());
    proxy.apply(config(1, MeshConfigs.Listener.WEB.on(port, weights(w1, w2))));
    return port;
  }

  private RouteConfig weights(int w1, int w2) {
    return split(v1.backend("web", 1), v1.backend("web-v1", w1), v2.backend("web-v2", w2));
  }

  private static Map<String, Long> count(List<String> names) {
    return names.stream()
        .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
  }

  @Test
  void splitNinetyTenIsMeasuredExactly() throws Exception {
    int port = weighted(90, 10);
    List<String> seen = new CopyOnWriteArrayList<>();
    try (Wire c = new Wire(port)) {
      for (int i = 0; i < 200; i++) {
        Wire.Answer r = c.get("/", "web.default.mesh");
        assertThat(r.status()).isEqualTo(200);
        seen.add(r.body());
      }
    }
    assertThat(count(seen)).containsEntry("v1", 180L).containsEntry("v2", 20L);
  }

  @Test
  void newWeightsApplyToTheNextRequestOfAnOpenKeepAliveConnection() throws Exception {
    int port = weighted(100, 0);
    List<String> seen = new CopyOnWriteArrayList<>();
    AtomicBoolean stop = new AtomicBoolean();
    CompletableFuture<Void> client =
        Async.run(
            () -> {
              try (Wire c = new Wire(port)) {
                while (!stop.get()) {
                  Wire.Answer r = c.get("/", "web.default.mesh");
                  seen.add(r.status() + " " + r.body());
                }
              }
            });
    await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() >= 50);
    int before = seen.size();
    proxy.apply(config(2, MeshConfigs.Listener.WEB.on(port, weights(0, 100))));
    int applied = seen.size();
    await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() >= applied + 50);
    stop.set(true);
    client.get();
    assertThat(seen).allMatch(s -> s.startsWith("200 "));
    assertThat(seen.subList(0, before)).containsOnly("200 v1");
    // Only the request in flight when apply() returned may still have seen the old table.
    assertThat(seen.subList(applied + 1, seen.size())).containsOnly("200 v2");
    assertThat(seen.get(seen.size() - 1)).isEqualTo("200 v2");
  }

  @Test
  void aRemovedListenerLetsItsOpenConnectionFinish() throws Exception {
    int port = webToV1(local());
    try (Wire c = new Wire(port)) {
      CompletableFuture<Wire.Answer> inFlight = heldAtV1(c, "/slow");
      proxy.apply(config(2));
      assertThatThrownBy(() -> new Socket("127.0.0.1", port).close())
          .isInstanceOf(ConnectException.class);
      v1.hold.countDown();
      assertThat(inFlight.get().status()).isEqualTo(200);
      assertThat(inFlight.get().body()).isEqualTo("v1");
      // The connection is not cut: it keeps the listener it had until the client ends it.
      assertThat(c.get("/again", "web.default.mesh").body()).isEqualTo("v1");
    }
  }

  @Test
  void upstreamConnectionsArePooledPerEventLoop() throws Exception {
    int port = webToV1(local().withEventLoopThreads(2));
    try (Wire c = new Wire(port)) {
      for (int i = 0; i < 200; i++) {
        assertThat(c.get("/", "web.default.mesh").status()).isEqualTo(200);
      }
    }
    assertThat(v1.connections).hasSize(1);
    // New downstream connections each time: they land on either loop and reuse its upstream.
    for (int i = 0; i < 50; i++) {
      try (Wire c = new Wire(port)) {
        Wire.Answer r =
            c.exchange("GET / HTTP/1.1\r\nHost: web.default.mesh\r\nConnection: close\r\n\r\n");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.headers()).containsEntry("connection", "close");
      }
    }
    assertThat(v1.connections.size()).isBetween(1, 2);
    assertThat(v1.requests.get()).isEqualTo(250);
    assertThat(scrape()).containsPattern("nodemesh_upstream_connections_opened_total [12]\\.0");
  }

  @Test
  void entryPortRoutesByHostAndByAbsoluteForm() throws Exception {
    entryToWhoami();
    try (Wire c = new Wire(proxy.entryPort())) {
      Wire.Answer byHost = c.get("/a?b=c", "WhoAmI.default.mesh");
      assertThat(byHost.body()).isEqualTo("v1");
      assertThat(v1.lastUri).isEqualTo("/a?b=c");
      assertThat(v1.lastHeaders.getFirst("Host")).isEqualTo("WhoAmI.default.mesh");
      assertThat(v1.lastHeaders.getFirst("X-Forwarded-For")).isEqualTo("127.0.0.1");
      assertThat(v1.lastHeaders.getFirst("X-Forwarded-Proto")).isEqualTo("http");
      assertThat(v1.lastHeaders.getFirst("Forwarded"))
          .isEqualTo("for=127.0.0.1;proto=http;host=WhoAmI.default.mesh");

      Wire.Answer absolute =
          c.exchange(
              "GET http://whoami.default.mesh/p?q=1 HTTP/1.1\r\n"
                  + "Host: localhost\r\n"
                  + "Proxy-Connection: keep-alive\r\n\r\n");
      assertThat(absolute.body()).isEqualTo("v1");
      assertThat(v1.lastUri).isEqualTo("/p?q=1");
      assertThat(v1.lastHeaders.getFirst("Host")).isEqualTo("whoami.default.mesh");
      assertThat(v1.lastHeaders.containsKey("Proxy-Connection")).isFalse();

      Wire.Answer unknown = c.get("/", "nope.default.mesh");
      assertThat(unknown.status()).isEqualTo(404);
      assertThat(unknown.body()).isEqualTo("no meshed service for host 'nope.default.mesh'\n");
    }
  }

  @Test
  void aRequestBodyIsStreamedToTheBackend() throws Exception {
    entryToWhoami();
    String chunk = "x".repeat(1000);
    StringBuilder req =
        new StringBuilder(
            "POST /up HTTP/1.1\r\nHost: whoami.default.mesh\r\nTransfer-Encoding: chunked\r\n\r\n");
    for (int i = 0; i < 100; i++) {
      req.append(Integer.toHexString(chunk.length())).append("\r\n").append(chunk).append("\r\n");
    }
    req.append("0\r\n\r\n");
    try (Wire c = new Wire(proxy.entryPort())) {
      assertThat(c.exchange(req.toString()).status()).isEqualTo(200);
      assertThat(v1.lastBodyBytes).isEqualTo(100_000);
      String fixed = "y".repeat(70_000);
      assertThat(
              c.exchange(
                      "PUT /up HTTP/1.1\r\n"
                          + "Host: whoami.default.mesh\r\n"
                          + "Content-Length: 70000\r\n\r\n"
                          + fixed)
                  .status())
          .isEqualTo(200);
      assertThat(v1.lastBodyBytes).isEqualTo(70_000);
    }
  }

  @Test
  void unreachableEndpointIs502NamingServiceAndEndpoint() throws Exception {
    int dead = freePort();
    int port = freePort();
    proxy = NodeProxy.start(local());
    proxy.apply(
        config(
            1,
            MeshConfigs.Listener.WEB.on(
                port,
                RouteConfig.direct(
                    new BackendConfig(
                        "web", 1, List.of(EndpointConfig.ready("127.0.0.1", dead)))))));
    try (Wire c = new Wire(port)) {
      Wire.Answer r = c.get("/", "web.default.mesh");
      assertThat(r.status()).isEqualTo(502);
      assertThat(r.body())
          .startsWith("bad gateway: service default/web endpoint 127.0.0.1:" + dead + ": ")
          .endsWith("\n")
          .hasLineCount(1);
      // The client connection survives a failed upstream.
      assertThat(c.get("/", "web.default.mesh").status()).isEqualTo(502);
    }
  }

  @Test
  void aHungBackendIs504AfterTheRequestTimeout() throws Exception {
    int port =
        webToV1(local(), HttpProxySettings.defaults().withRequestTimeout(Duration.ofMillis(300)));
    v1.hold = new CountDownLatch(1);
    try (Wire c = new Wire(port)) {
      Wire.Answer r = c.get("/", "web.default.mesh");
      assertThat(r.status()).isEqualTo(504);
      assertThat(r.body()).contains("service default/web endpoint 127.0.0.1:" + v1.port());
    } finally {
      v1.hold.countDown();
    }
  }

  @Test
  void adminEndpoints() throws Exception {
    proxy = NodeProxy.start(local());
    HttpClient http = HttpClient.newHttpClient();
    Function<String, HttpResponse<String>> get =
        path -> {
          try {
            return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.adminPort() + path))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
          } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
          }
        };
    assertThat(get.apply("/ping").body()).isEqualTo("pong");
    assertThat(get.apply("/ready").statusCode()).isEqualTo(503);
    assertThat(proxy.appliedVersion()).isEqualTo(-1);

    int port = freePort();
    proxy.apply(
        config(7, http("shop", "echo", 80, port, RouteConfig.direct(v1.backend("echo", 1)))));
    assertThat(proxy.appliedVersion()).isEqualTo(7);
    assertThat(get.apply("/ready").statusCode()).isEqualTo(200);

    JsonNode cfg = new ObjectMapper().readTree(get.apply("/config").body());
    assertThat(cfg.get("version").asLong()).isEqualTo(7);
    JsonNode l = cfg.get("listeners").get(0);
    assertThat(l.get("namespace").asText()).isEqualTo("shop");
    assertThat(l.get("service").asText()).isEqualTo("echo");
    assertThat(l.get("port").asInt()).isEqualTo(80);
    assertThat(l.get("protocol").asText()).isEqualTo("http");
    assertThat(l.get("proxyPort").asInt()).isEqualTo(port);
    assertThat(l.get("bound").asBoolean()).isTrue();

    try (Wire c = new Wire(port)) {
      c.get("/", "echo.shop.mesh");
    }
    String metrics = get.apply("/metrics").body();
    assertThat(metrics)
        .contains("nodemesh_config_version 7.0")
        .contains(
            "nodemesh_requests_total{backend=\"echo\",code=\"200\",code_class=\"2xx\",method=\"GET\","
                + "namespace=\"shop\",port=\"80\",service=\"echo\",source=\"unknown\"} 1.0")
        .contains(
            "nodemesh_request_duration_seconds_bucket{backend=\"echo\",namespace=\"shop\","
                + "port=\"80\",service=\"echo\"");
  }

  @Test
  void aPortInUseIsSkippedAndTheRestApplies() throws Exception {
    proxy = NodeProxy.start(local());
    try (java.net.ServerSocket taken =
        new java.net.ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
      int busy = taken.getLocalPort();
      int ok = freePort();
      proxy.apply(
          config(
              1,
              http("default", "a", 80, busy, RouteConfig.direct(v1.backend("a", 1))),
              http("default", "b", 80, ok, RouteConfig.direct(v2.backend("b", 1)))));
      assertThat(proxy.appliedVersion()).isEqualTo(1);
      try (Wire c = new Wire(ok)) {
        assertThat(c.get("/", "b.default.mesh").body()).isEqualTo("v2");
      }
    }
  }

  @Test
  void closeLetsAnInFlightRequestFinish() throws Exception {
    int port = webToV1(local());
    try (Wire c = new Wire(port)) {
      CompletableFuture<Wire.Answer> inFlight = heldAtV1(c, "/");
      CompletableFuture<Void> closing = Async.run(proxy::close);
      await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(
              () ->
                  assertThatThrownBy(() -> new Socket("127.0.0.1", port).close())
                      .isInstanceOf(ConnectException.class));
      assertThat(closing).isNotDone();
      v1.hold.countDown();
      assertThat(inFlight.get().status()).isEqualTo(200);
      closing.get();
    }
  }

  @Test
  void expectContinueAndPipelinedRequestsWork() throws Exception {
    int port = webToV1(local());
    try (Wire c = new Wire(port)) {
      Configs.expectContinue(c, v1, "/up", () -> {});

      String two =
          "GET /one HTTP/1.1\r\nHost: web.default.mesh\r\n\r\n"
              + "GET /two HTTP/1.1\r\nHost: web.default.mesh\r\n\r\n";
      assertThat(c.exchange(two).body()).isEqualTo("v1");
      assertThat(c.read().body()).isEqualTo("v1");
      assertThat(v1.lastUri).isEqualTo("/two");
    }
  }

  @Test
  void aLargeUploadStreamsWithBoundedProxyMemory() throws Exception {
    int port = webToV1(local());
    long size = 64L << 20;
    v1.readPauseMicros = 20_000;
    io.netty.buffer.PooledByteBufAllocatorMetric metric =
        io.netty.buffer.PooledByteBufAllocator.DEFAULT.metric();
    AtomicBoolean sending = new AtomicBoolean(true);
    java.util.concurrent.atomic.AtomicLong maxDirect = new java.util.concurrent.atomic.AtomicLong();
    Thread sampler =
        Thread.ofVirtual()
            .start(
                () -> {
                  while (sending.get()) {
                    maxDirect.accumulateAndGet(metric.usedDirectMemory(), Math::max);
                    java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
                  }
                });
    try (Socket s = new Socket("127.0.0.1", port)) {
      var out = s.getOutputStream();
      out.write(
          ("PUT /big HTTP/1.1\r\nHost: web.default.mesh\r\nContent-Length: " + size + "\r\n\r\n")
              .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      byte[] block = new byte[1 << 16];
      for (long sent = 0; sent < size; sent += block.length) {
        out.write(block);
      }
      out.flush();
      await().atMost(Duration.ofSeconds(60)).until(() -> v1.requests.get() == 1);
    } finally {
      sending.set(false);
      sampler.join();
    }
    assertThat(v1.lastBodyBytes).isEqualTo(size);
    // The body passes through in read-sized chunks; nothing near its size is ever held.
    assertThat(maxDirect.get()).isLessThan(16L << 20);
  }

  @Test
  void aLargeDownloadToASlowClientStreamsWithBoundedProxyMemory() throws Exception {
    int port = webToV1(local());
    long size = 64L << 20;
    v1.responseBytes = size;
    io.netty.buffer.PooledByteBufAllocatorMetric metric =
        io.netty.buffer.PooledByteBufAllocator.DEFAULT.metric();
    long maxDirect = 0;
    long received = 0;
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setReceiveBufferSize(64 * 1024);
      s.getOutputStream()
          .write(
              "GET /big HTTP/1.1\r\nHost: web.default.mesh\r\nConnection: close\r\n\r\n"
                  .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      var in = s.getInputStream();
      byte[] buf = new byte[1 << 16];
      int n;
      long unpaused = 0;
      while ((n = in.read(buf)) >= 0) {
        received += n;
        unpaused += n;
        if (unpaused >= 1 << 20) {
          // A client slower than the backend: the proxy must stop reading upstream, not buffer.
          unpaused = 0;
          java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
          maxDirect = Math.max(maxDirect, metric.usedDirectMemory());
        }
      }
    }
    // Head and chunk framing on top of the body.
    assertThat(received).isGreaterThan(size);
    assertThat(maxDirect).isLessThan(16L << 20);
  }

  @Test
  void idleConnectionsAreClosedOnBothSides() throws Exception {
    int port =
        webToV1(
            local().withEventLoopThreads(1),
            HttpProxySettings.defaults().withIdleTimeout(Duration.ofMillis(300)));
    try (Wire c = new Wire(port)) {
      assertThat(c.get("/", "web.default.mesh").status()).isEqualTo(200);
      assertThat(c.closedByPeer()).isTrue();
    }
    // The pooled upstream connection went idle too, so the next request opens a new one.
    try (Wire c = new Wire(port)) {
      assertThat(c.get("/", "web.default.mesh").status()).isEqualTo(200);
    }
    assertThat(v1.connections).hasSize(2);
  }

  private String scrape() throws Exception {
    return Scrape.admin(proxy, "/metrics");
  }
}
