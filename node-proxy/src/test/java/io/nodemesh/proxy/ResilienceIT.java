package io.nodemesh.proxy;

import static io.nodemesh.proxy.Configs.config;
import static io.nodemesh.proxy.Configs.freePort;
import static io.nodemesh.proxy.Configs.local;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.config.Scheme;
import io.nodemesh.config.ServicePolicy;
import io.nodemesh.testkit.Closing;
import io.nodemesh.testkit.H2Backend;
import io.nodemesh.testkit.HttpBackend;
import io.nodemesh.testkit.MeshConfigs;
import io.nodemesh.testkit.Wire;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Retries, timeouts, circuit breaking, outlier ejection and rate limits on loopback sockets. */
class ResilienceIT {
  private static final String HOST = "web.default.mesh";

  @RegisterExtension final Closing closing = new Closing();
  private NodeProxy proxy;
  private int port;

  HttpBackend backend(String name) throws IOException {
    return closing.add(new HttpBackend(name));
  }

  static ServicePolicy policy(
      ServicePolicy.Timeouts timeouts,
      ServicePolicy.Retry retry,
      ServicePolicy.CircuitBreaker breaker,
      ServicePolicy.Outlier outlier,
      ServicePolicy.RateLimit limit) {
    ServicePolicy.Balancing rr =
        new ServicePolicy.Balancing(ServicePolicy.LbPolicy.ROUND_ROBIN, null, null, true);
    return new ServicePolicy(null, rr, timeouts, retry, breaker, outlier, limit);
  }

  static ServicePolicy.Retry retries(int n) {
    return new ServicePolicy.Retry(n, 0, 5, 20, 1.0, 100);
  }

  static final ServicePolicy.Outlier NO_EJECTION = new ServicePolicy.Outlier(0, 0, 0);

  void start(ServicePolicy policy, EndpointConfig... endpoints) {
    port = freePort();
    proxy = closing.add(NodeProxy.start(local()));
    ListenerConfig l =
        MeshConfigs.Listener.WEB.on(
            port, RouteConfig.direct(new BackendConfig("web", 1, List.of(endpoints))), policy);
    proxy.apply(config(1, l));
  }

  Wire.Answer get() throws IOException {
    try (Wire c = new Wire(port)) {
      return c.get("/", HOST);
    }
  }

  Wire.Answer post(String body) throws IOException {
    return send("POST /orders", body);
  }

  /** {@code requestLine} (method and target) with {@code body}, on a new connection. */
  Wire.Answer send(String requestLine, String body) throws IOException {
    try (Wire c = new Wire(port)) {
      return c.exchange(
          requestLine
              + " HTTP/1.1\r\nHost: "
              + HOST
              + "\r\nContent-Length: "
              + body.length()
              + "\r\n\r\n"
              + body);
    }
  }

  @Test
  void aGetIsRetriedUntilTheBackendThatFailsNTimesAnswers() throws Exception {
    HttpBackend flaky = backend("flaky").failingFirst(2, 503);
    start(policy(null, retries(3), null, NO_EJECTION, null), flaky.endpoint());

    Wire.Answer r = get();

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("flaky");
    assertThat(flaky.count("GET")).isEqualTo(3);
    assertThat(scrape())
        .containsPattern("nodemesh_retries_total\\{[^}]*service=\"web\"[^}]*} 2\\.0");
  }

  @Test
  void anHttp2ClientsRequestsAreRetriedTooButNotItsPosts() throws Exception {
    HttpBackend flaky = backend("flaky");
    AtomicInteger failuresLeft = new AtomicInteger(2);
    flaky.status = n -> failuresLeft.getAndDecrement() > 0 ? 503 : 200;
    start(policy(null, retries(3), null, NO_EJECTION, null), flaky.endpoint());
    try (H2Client c = new H2Client(port)) {
      H2Client.Response r = c.get("/", HOST);
      assertThat(r.status()).isEqualTo(200);
      assertThat(flaky.count("GET")).isEqualTo(3);

      failuresLeft.set(1);
      H2Client.Response post =
          c.send(
              io.netty.handler.codec.http.HttpMethod.POST,
              "/orders",
              HOST,
              "{}".getBytes(StandardCharsets.UTF_8));
      assertThat(post.status()).isEqualTo(503);
      assertThat(flaky.count("POST")).isEqualTo(1);
    }
  }

  @Test
  void retriesStopAtTheConfiguredAttemptsAndTheLastAnswerGoesThrough() throws Exception {
    HttpBackend flaky = backend("flaky").failingFirst(10, 503);
    start(policy(null, retries(2), null, NO_EJECTION, null), flaky.endpoint());

    assertThat(get().status()).isEqualTo(503);
    assertThat(flaky.count("GET")).isEqualTo(3);
  }

  @Test
  void aPostThatReachedTheBackendIsNeverRetried() throws Exception {
    HttpBackend flaky = backend("flaky").failingFirst(1, 503);
    start(policy(null, retries(3), null, NO_EJECTION, null), flaky.endpoint());

    Wire.Answer r = post("{\"item\":1}");

    assertThat(r.status()).isEqualTo(503);
    assertThat(flaky.count("POST")).isEqualTo(1);
  }

  @Test
  void aPostWhoseConnectionIsResetBeforeTheResponseIsNotRetriedButAGetIs() throws Exception {
    AtomicInteger accepted = new AtomicInteger();
    ServerSocket resetting = new ServerSocket();
    resetting.bind(new InetSocketAddress("127.0.0.1", 0));
    closing.add(resetting);
    Thread.ofVirtual()
        .start(
            () -> {
              while (!resetting.isClosed()) {
                try (Socket s = resetting.accept()) {
                  accepted.incrementAndGet();
                  // Read the request head, then hang up without a response.
                  BufferedReader in =
                      new BufferedReader(
                          new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
                  String line;
                  while ((line = in.readLine()) != null && !line.isEmpty()) {
                    // request head
                  }
                } catch (IOException e) {
                  return;
                }
              }
            });
    start(
        policy(null, retries(2), null, NO_EJECTION, null),
        EndpointConfig.ready("127.0.0.1", resetting.getLocalPort()));

    assertThat(post("x").status()).isEqualTo(502);
    assertThat(accepted.get()).isEqualTo(1);

    accepted.set(0);
    assertThat(get().status()).isEqualTo(502);
    await().atMost(Duration.ofSeconds(5)).until(() -> accepted.get() == 3);
  }

  Wire.Answer put(String body) throws IOException {
    return send("PUT /items/1", body);
  }

  @Test
  void aRetriedPutSendsTheSameBodyAgain() throws Exception {
    HttpBackend flaky = backend("flaky").failingFirst(2, 502);
    start(policy(null, retries(2), null, NO_EJECTION, null), flaky.endpoint());
    String body = "x".repeat(40_000);

    assertThat(put(body).status()).isEqualTo(200);
    assertThat(flaky.bodies).hasSize(3).allMatch(body::equals);
  }

  @Test
  void aPutLargerThanTheReplayBufferIsNotRetriedOnceSent() throws Exception {
    HttpBackend flaky = backend("flaky").failingFirst(1, 503);
    start(policy(null, retries(2), null, NO_EJECTION, null), flaky.endpoint());

    assertThat(put("y".repeat(100_000)).status()).isEqualTo(503);
    assertThat(flaky.count("PUT")).isEqualTo(1);
  }

  @Test
  void aKilledBackendsConnectFailuresAreRetriedElsewhereForEveryMethod() throws Exception {
    HttpBackend dead = backend("dead");
    HttpBackend alive = backend("alive");
    dead.kill();
    start(policy(null, retries(1), null, NO_EJECTION, null), dead.endpoint(), alive.endpoint());

    for (int i = 0; i < 10; i++) {
      Wire.Answer r = i % 2 == 0 ? post("p" + i) : get();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("alive");
    }
    assertThat(alive.count("POST")).isEqualTo(5);
    assertThat(alive.count("GET")).isEqualTo(5);
  }

  @Test
  void aBackendKilledMidWayIsLeftOutByOutlierEjection() throws Exception {
    HttpBackend a = backend("a");
    HttpBackend b = backend("b");
    start(
        policy(null, null, null, new ServicePolicy.Outlier(2, 60_000, 50), null),
        a.endpoint(),
        b.endpoint());
    for (int i = 0; i < 4; i++) {
      assertThat(get().status()).isEqualTo(200);
    }
    a.kill();
    // Round robin: a's two connect failures eject it; from then on b answers everything.
    List<Integer> statuses = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      statuses.add(get().status());
    }
    assertThat(statuses.stream().filter(s -> s == 502)).hasSize(2);
    assertThat(statuses.subList(4, 20)).containsOnly(200);
  }

  @Test
  void aSlowBackendTimesOutPerTryAndTheRetryGoesToAnotherEndpoint() throws Exception {
    HttpBackend slow = backend("slow");
    slow.delayMillis = 3000;
    HttpBackend fast = backend("fast");
    start(
        policy(null, new ServicePolicy.Retry(1, 300, 5, 20, 1.0, 100), null, NO_EJECTION, null),
        slow.endpoint(),
        fast.endpoint());

    for (int i = 0; i < 2; i++) {
      long t0 = System.nanoTime();
      Wire.Answer r = get();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("fast");
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(2500));
    }
  }

  @Test
  void aSlowBackendWithoutRetriesGets504AfterTheServiceTimeout() throws Exception {
    HttpBackend slow = backend("slow");
    slow.delayMillis = 3000;
    start(
        policy(new ServicePolicy.Timeouts(0, 300, 0), null, null, NO_EJECTION, null),
        slow.endpoint());
    long t0 = System.nanoTime();
    Wire.Answer r = get();
    assertThat(r.status()).isEqualTo(504);
    assertThat(r.body()).contains("no response within 300 ms");
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(2500));
  }

  /**
   * A listening socket whose accept queue is full: the kernel drops further SYNs, so a connect to
   * it hangs, as to a pod on a dead node.
   */
  EndpointConfig blackHole() throws IOException {
    ServerSocket full = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
    closing.add(full);
    for (int i = 0; i < 3; i++) {
      Socket filler = new Socket();
      closing.add(filler);
      try {
        filler.connect(full.getLocalSocketAddress(), 300);
      } catch (IOException e) {
        break;
      }
    }
    return EndpointConfig.ready("127.0.0.1", full.getLocalPort());
  }

  @Test
  void theServiceConnectTimeoutEndsAHangingConnectAndARetryGoesElsewhere() throws Exception {
    EndpointConfig hole = blackHole();
    HttpBackend alive = backend("alive");
    start(policy(new ServicePolicy.Timeouts(200, 0, 0), null, null, NO_EJECTION, null), hole);
    long t0 = System.nanoTime();
    Wire.Answer r = get();
    assertThat(r.status()).isEqualTo(502);
    assertThat(r.body()).contains("connect failed");
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(2000));

    proxy.close();
    start(
        policy(new ServicePolicy.Timeouts(200, 0, 0), retries(1), null, NO_EJECTION, null),
        hole,
        alive.endpoint());
    for (int i = 0; i < 4; i++) {
      long t1 = System.nanoTime();
      assertThat(get().body()).isEqualTo("alive");
      assertThat(Duration.ofNanos(System.nanoTime() - t1)).isLessThan(Duration.ofMillis(2000));
    }
  }

  @Test
  void anOpenCircuitFailsFastAndRecoversThroughHalfOpen() throws Exception {
    HttpBackend sick = backend("sick");
    AtomicBoolean healthy = new AtomicBoolean();
    sick.status = n -> healthy.get() ? 200 : 500;
    start(
        policy(null, null, new ServicePolicy.CircuitBreaker(3, 0, 0, 0, 700, 1), NO_EJECTION, null),
        sick.endpoint());

    for (int i = 0; i < 3; i++) {
      assertThat(get().status()).isEqualTo(500);
    }
    Wire.Answer open = get();
    assertThat(open.status()).isEqualTo(503);
    assertThat(open.body()).contains("circuit breaker open for service default/web");
    assertThat(sick.received.get()).isEqualTo(3);
    assertThat(scrape())
        .containsPattern("nodemesh_circuit_breaker_open\\{[^}]*backend=\"web\"[^}]*} 1\\.0");

    healthy.set(true);
    await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> get().status() == 200);
    // The probe succeeded: closed again, everything flows.
    for (int i = 0; i < 5; i++) {
      assertThat(get().status()).isEqualTo(200);
    }
    assertThat(scrape())
        .containsPattern("nodemesh_circuit_breaker_open\\{[^}]*backend=\"web\"[^}]*} 0\\.0");
  }

  @Test
  void aFailedHalfOpenProbeOpensTheCircuitAgain() throws Exception {
    HttpBackend sick = backend("sick");
    sick.status = n -> 500;
    start(
        policy(null, null, new ServicePolicy.CircuitBreaker(2, 0, 0, 0, 500, 1), NO_EJECTION, null),
        sick.endpoint());
    get();
    get();
    assertThat(get().status()).isEqualTo(503);
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> sick.received.get() == 3 || get().status() == 500);
    assertThat(sick.received.get()).isEqualTo(3);
    assertThat(get().status()).isEqualTo(503);
  }

  @Test
  void anEjectedEndpointComesBack() throws Exception {
    HttpBackend good = backend("good");
    HttpBackend bad = backend("bad");
    AtomicBoolean broken = new AtomicBoolean(true);
    bad.status = n -> broken.get() ? 500 : 200;
    start(
        policy(null, null, null, new ServicePolicy.Outlier(2, 800, 50), null),
        good.endpoint(),
        bad.endpoint());

    for (int i = 0; i < 4; i++) {
      get();
    }
    assertThat(bad.received.get()).isEqualTo(2);
    int badBefore = bad.received.get();
    for (int i = 0; i < 10; i++) {
      assertThat(get().body()).isEqualTo("good");
    }
    assertThat(bad.received.get()).isEqualTo(badBefore);
    assertThat(scrape())
        .containsPattern("nodemesh_ejected_endpoints\\{[^}]*backend=\"web\"[^}]*} 1\\.0");

    broken.set(false);
    await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> "bad".equals(get().body()));
    List<String> after = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      after.add(get().body());
    }
    assertThat(after).containsOnly("good", "bad").contains("bad");
  }

  @Test
  void theRateLimitHoldsAtItsRateWithinTenPercentOverFiveSeconds() throws Exception {
    HttpBackend b = backend("b");
    double rate = 100;
    start(
        policy(null, null, null, NO_EJECTION, new ServicePolicy.RateLimit(rate, 10, false)),
        b.endpoint());
    AtomicInteger ok = new AtomicInteger();
    AtomicInteger limited = new AtomicInteger();
    java.util.Queue<Long> admittedAt = new java.util.concurrent.ConcurrentLinkedQueue<>();
    java.util.concurrent.atomic.AtomicLong drained = new java.util.concurrent.atomic.AtomicLong();
    long window = Duration.ofSeconds(5).toNanos();
    long cap = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    List<CompletableFuture<Void>> clients = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      clients.add(
          CompletableFuture.runAsync(
              () -> {
                try (Wire c = new Wire(port)) {
                  while (true) {
                    long d = drained.get();
                    long now = System.nanoTime();
                    if ((d != 0 && now - d > window) || now - cap > 0) {
                      return;
                    }
                    int s = c.get("/", HOST).status();
                    long at = System.nanoTime();
                    if (s == 200) {
                      ok.incrementAndGet();
                      admittedAt.add(at);
                    } else {
                      limited.incrementAndGet();
                      // The first refusal: the burst is spent, the steady rate starts here.
                      drained.compareAndSet(0, at);
                    }
                  }
                } catch (IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              },
              Thread.ofVirtual()::start));
    }
    CompletableFuture.allOf(clients.toArray(CompletableFuture[]::new)).get();

    long from = drained.get();
    long inWindow = admittedAt.stream().filter(at -> at - from > 0 && at - from <= window).count();
    // The clients offered far more than the limit: the admitted count is the rate itself.
    assertThat(limited.get()).isGreaterThan(ok.get());
    assertThat(inWindow)
        .as("admitted in the 5 s after the burst (refused: %d)", limited.get())
        .isBetween((long) (5 * rate * 0.9), (long) (5 * rate * 1.1));
    assertThat(b.received.get()).isEqualTo(ok.get());
    assertThat(scrape())
        .containsPattern(
            "nodemesh_rate_limited_total\\{[^}]*service=\"web\"[^}]*} " + limited.get() + "\\.0");
  }

  @Test
  void aPerSourceRateLimitGivesEachClientIpItsOwnBucket() throws Exception {
    HttpBackend b = backend("b");
    start(
        policy(null, null, null, NO_EJECTION, new ServicePolicy.RateLimit(0.01, 2, true)),
        b.endpoint());
    List<Integer> first = statusesFrom("127.0.0.1", 3);
    List<Integer> second = statusesFrom("127.0.0.2", 3);
    assertThat(first).containsExactly(200, 200, 429);
    assertThat(second).containsExactly(200, 200, 429);
  }

  private List<Integer> statusesFrom(String localIp, int n) throws IOException {
    List<Integer> out = new ArrayList<>();
    try (Socket s = new Socket()) {
      s.bind(new InetSocketAddress(localIp, 0));
      s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
      s.setSoTimeout(10_000);
      var in =
          new BufferedReader(
              new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
      for (int i = 0; i < n; i++) {
        s.getOutputStream()
            .write(
                ("GET / HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
        String status = in.readLine();
        out.add(Integer.parseInt(status.split(" ")[1]));
        int length = 0;
        String line;
        while (!(line = in.readLine()).isEmpty()) {
          if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
            length = Integer.parseInt(line.substring(15).trim());
          }
        }
        in.skip(length);
      }
    }
    return out;
  }

  private String scrape() throws Exception {
    return Scrape.admin(proxy, "/metrics");
  }

  /** Only a client idle timeout of {@code millis} (0: none). */
  private static ServicePolicy idleTimeout(long millis) {
    return policy(new ServicePolicy.Timeouts(0, 0, millis), null, null, NO_EJECTION, null);
  }

  /** A client connection that sends nothing; its reads time out after {@code readTimeoutMillis}. */
  private Socket quietConnection(int readTimeoutMillis) throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
    s.setSoTimeout(readTimeoutMillis);
    return s;
  }

  @Test
  void theServiceIdleTimeoutClosesQuietClientConnectionsOnItsPort() throws Exception {
    HttpBackend b = backend("b");
    start(idleTimeout(400), EndpointConfig.ready("127.0.0.1", b.port()));
    try (Socket s = quietConnection(5000)) {
      long t0 = System.nanoTime();
      assertThat(s.getInputStream().read()).as("closed by the proxy").isEqualTo(-1);
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
    }
  }

  @Test
  void withoutTheAnnotationAQuietClientConnectionStaysOpen() throws Exception {
    HttpBackend b = backend("b");
    start(idleTimeout(0), EndpointConfig.ready("127.0.0.1", b.port()));
    try (Socket s = quietConnection(1500)) {
      assertThatThrownBy(() -> s.getInputStream().read())
          .isInstanceOf(SocketTimeoutException.class);
    }
  }

  @Test
  void retriesWorkTheSameOverAnHttp2Upstream() throws Exception {
    H2Backend h2 = new H2Backend();
    closing.add(h2);
    ServicePolicy p = policy(null, retries(2), null, NO_EJECTION, null).withScheme(Scheme.H2C);
    start(p, EndpointConfig.ready("127.0.0.1", h2.port()));

    h2.failNext.set(2);
    Wire.Answer ok = get();
    assertThat(ok.status()).isEqualTo(200);
    assertThat(ok.body()).isEqualTo("h2 /");
    assertThat(h2.requests.get()).isEqualTo(3);

    // A POST that reached the backend is never sent again, whatever the upstream protocol.
    h2.failNext.set(1);
    assertThat(post("order").status()).isEqualTo(503);
    assertThat(h2.requests.get()).isEqualTo(4);
  }
}
