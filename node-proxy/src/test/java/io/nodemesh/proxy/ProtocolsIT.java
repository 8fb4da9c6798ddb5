package io.nodemesh.proxy;

import static io.nodemesh.proxy.Configs.config;
import static io.nodemesh.proxy.Configs.freePort;
import static io.nodemesh.proxy.Configs.local;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.netty.handler.codec.http.HttpMethod;
import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.config.Scheme;
import io.nodemesh.config.ServicePolicy;
import io.nodemesh.proxy.limits.LimitSettings;
import io.nodemesh.proxy.upstream.HttpProxySettings;
import io.nodemesh.testkit.Async;
import io.nodemesh.testkit.H2Backend;
import io.nodemesh.testkit.HttpBackend;
import io.nodemesh.testkit.MeshConfigs;
import io.nodemesh.testkit.UpgradeBackend;
import io.nodemesh.testkit.Wire;
import io.nodemesh.testkit.WsEchoServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The HTTP protocols a client may speak to a listener, over loopback with real peers: HTTP/2 by
 * prior knowledge and by h2c upgrade, WebSocket and other upgrades, 100-continue, pipelining, and a
 * backend that dies mid-response.
 */
class ProtocolsIT {
  @RegisterExtension private final HttpBackend v1 = HttpBackend.start("v1");
  private NodeProxy proxy;
  private int port;

  @BeforeEach
  void start() throws IOException {
    proxy = NodeProxy.start(local());
    port = freePort();
  }

  @AfterEach
  void stop() {
    proxy.close();
  }

  private static final ServicePolicy H2C = new ServicePolicy(Scheme.H2C);

  private void route(EndpointConfig endpoint) {
    route(endpoint, null);
  }

  /** {@code default/web} on {@code port} to {@code endpoint}, with {@code policy} (null: none). */
  private void route(EndpointConfig endpoint, ServicePolicy policy) {
    BackendConfig b = new BackendConfig("web", 1, List.of(endpoint));
    proxy.apply(config(1, MeshConfigs.Listener.WEB.on(port, RouteConfig.direct(b), policy)));
  }

  /** {@code n} GETs at once on one connection, the i-th to {@code path(i)}; answers in order. */
  private static List<H2Client.Response> concurrentGets(H2Client c, int n, IntFunction<String> path)
      throws Exception {
    List<CompletableFuture<H2Client.Response>> all = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String p = path.apply(i);
      all.add(Async.call(() -> c.get(p, "web.default.mesh")));
    }
    List<H2Client.Response> answers = new ArrayList<>();
    for (var f : all) {
      answers.add(f.get(20, TimeUnit.SECONDS));
    }
    return answers;
  }

  /** A GET of {@code /slow} that v1 holds until the test releases it. */
  private CompletableFuture<H2Client.Response> held(H2Client c) {
    v1.hold = new CountDownLatch(1);
    return Async.call(() -> c.get("/slow", "web.default.mesh"));
  }

  /** The connection stays open for {@code during}; then the held stream is released and is 200. */
  private void staysOpenUntilReleased(
      H2Client c, CompletableFuture<H2Client.Response> held, Duration during) throws Exception {
    await().during(during).atMost(Duration.ofSeconds(5)).until(() -> !c.closed());
    v1.hold.countDown();
    assertThat(held.get(5, TimeUnit.SECONDS).status()).isEqualTo(200);
  }

  @Test
  void http2WithPriorKnowledgeReachesAnHttp11Backend() throws Exception {
    route(v1.endpoint());
    try (H2Client c = new H2Client(port)) {
      H2Client.Response r = c.get("/hello?x=1", "web.default.mesh");
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("v1");
      assertThat(v1.lastUri).isEqualTo("/hello?x=1");
      assertThat(v1.lastHeaders.getFirst("Host")).isEqualTo("web.default.mesh");
      assertThat(v1.lastHeaders.getFirst("X-Forwarded-For")).isEqualTo("127.0.0.1");
      // Netty's translation headers describe the client's hop, not the backend's.
      assertThat(v1.lastHeaders.keySet())
          .noneMatch(h -> h.toLowerCase(Locale.ROOT).startsWith("x-http2"));
      byte[] body = new byte[3 << 20];
      H2Client.Response post = c.send(HttpMethod.POST, "/upload", "web.default.mesh", body);
      assertThat(post.status()).isEqualTo(200);
      assertThat(v1.lastBodyBytes).isEqualTo(body.length);
    }
  }

  @Test
  void manyConcurrentStreamsOnOneConnection() throws Exception {
    route(v1.endpoint());
    try (H2Client c = new H2Client(port)) {
      for (H2Client.Response r : concurrentGets(c, 100, i -> "/")) {
        assertThat(r.status()).isEqualTo(200);
      }
    }
    assertThat(v1.requests.get()).isEqualTo(100);
  }

  @Test
  void aStreamRefusedAsMalformedLeavesTheConnectionToTheOtherStreams() throws Exception {
    // A malformed request's refusal closes an HTTP/1.1 connection; on HTTP/2 it ends only its own
    // stream, which has no channel to close: the connection is shared (decode.Http2Stream).
    route(v1.endpoint());
    try (H2Client c = new H2Client(port)) {
      assertThat(c.get("/../admin", "web.default.mesh").status()).isEqualTo(400);
      assertThat(c.get("/hello", "web.default.mesh").status()).isEqualTo(200);
      assertThat(c.closed()).isFalse();
    }
  }

  @Test
  void anH2cBackendsStreamLimitQueuesStreamsInsteadOfFailingThem() throws Exception {
    try (H2Backend backend = new H2Backend(5, 50)) {
      route(EndpointConfig.ready("127.0.0.1", backend.port()), H2C);
      try (H2Client c = new H2Client(port)) {
        List<H2Client.Response> all = concurrentGets(c, 60, i -> "/n" + i);
        for (int i = 0; i < all.size(); i++) {
          H2Client.Response r = all.get(i);
          assertThat(r.status()).as(r.body()).isEqualTo(200);
          assertThat(r.body()).isEqualTo("h2 /n" + i);
        }
      }
      assertThat(backend.requests.get()).isEqualTo(60);
    }
  }

  @Test
  void schemeH2cAgainstAnHttp11BackendFailsWithOneLine() throws Exception {
    route(v1.endpoint(), H2C);
    try (Wire c = new Wire(port)) {
      Wire.Answer r = c.get("/", "web.default.mesh");
      assertThat(r.status()).isEqualTo(502);
      assertThat(r.body())
          .startsWith("bad gateway: service default/web endpoint ")
          .contains("HTTP/2");
    }
  }

  @Test
  void anIdleHttp2ConnectionIsClosedButNotOneWithAStreamInFlight() throws Exception {
    proxy.close();
    proxy =
        NodeProxy.start(
            local(), HttpProxySettings.defaults().withIdleTimeout(Duration.ofMillis(300)));
    route(v1.endpoint());
    try (H2Client c = new H2Client(port)) {
      CompletableFuture<H2Client.Response> slow = held(c);
      await().atMost(Duration.ofSeconds(5)).until(() -> v1.received.get() == 1);
      // Several idle periods pass with the stream open and silent; the connection stays.
      staysOpenUntilReleased(c, slow, Duration.ofMillis(1200));
      await().atMost(Duration.ofSeconds(5)).until(c::closed);
    }
  }

  @Test
  void http2ConnectionsOutliveTheHttp11HeaderAndBodyTimeouts() throws Exception {
    proxy.close();
    proxy =
        NodeProxy.start(
            local(),
            HttpProxySettings.defaults(),
            new LimitSettings(
                10_000, 1_000, 4096, 8192, 100, Duration.ofMillis(300), Duration.ofMillis(300)));
    route(v1.endpoint());
    try (H2Client c = new H2Client(port)) {
      assertThat(c.get("/first", "web.default.mesh").status()).isEqualTo(200);
      // A stream that stays silent longer than both HTTP/1.1 timeouts.
      staysOpenUntilReleased(c, held(c), Duration.ofMillis(1000));
      assertThat(c.get("/again", "web.default.mesh").status()).isEqualTo(200);
    }
  }

  @Test
  void aRemovedListenerDrainsItsHttp2ConnectionsAfterTheirStreamsFinish() throws Exception {
    route(v1.endpoint());
    try (H2Client c = new H2Client(port)) {
      CompletableFuture<H2Client.Response> inFlight = held(c);
      await().atMost(Duration.ofSeconds(5)).until(() -> v1.received.get() == 1);
      proxy.apply(config(2));
      // GOAWAY, not a close: the stream in flight is still open.
      staysOpenUntilReleased(c, inFlight, Duration.ofMillis(500));
      await().atMost(Duration.ofSeconds(5)).until(c::closed);
    }
  }

  @Test
  void h2cUpgradeFromTheJdkClient() throws Exception {
    route(v1.endpoint());
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
    URI uri = URI.create("http://127.0.0.1:" + port + "/up");
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> r =
          client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("v1");
      assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
    }
    assertThat(v1.requests.get()).isEqualTo(3);
    assertThat(v1.lastHeaders.containsKey("Upgrade")).isFalse();
    assertThat(v1.lastHeaders.containsKey("Http2-settings")).isFalse();
  }

  @Test
  void webSocketMessagesFlowBothWays() throws Exception {
    try (WsEchoServer ws = new WsEchoServer()) {
      route(EndpointConfig.ready("127.0.0.1", ws.port()));
      LinkedBlockingQueue<String> received = new LinkedBlockingQueue<>();
      WebSocket socket =
          HttpClient.newHttpClient()
              .newWebSocketBuilder()
              .buildAsync(
                  URI.create("ws://127.0.0.1:" + port + "/ws"),
                  new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                      received.add(data.toString());
                      w.request(1);
                      return null;
                    }
                  })
              .get(10, TimeUnit.SECONDS);
      for (int i = 0; i < 50; i++) {
        socket.sendText("m" + i, true).get(5, TimeUnit.SECONDS);
        assertThat(received.poll(5, TimeUnit.SECONDS)).isEqualTo("echo:m" + i);
      }
      socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void anyOtherUpgradeBecomesAByteTunnel() throws Exception {
    try (UpgradeBackend backend = new UpgradeBackend()) {
      // A protocol other than websocket needs the Service's opt-in (nodemesh.io/upgrade-protocols).
      route(
          backend.backend("web").endpoints().get(0),
          ServicePolicy.defaults()
              .withConnections(new ServicePolicy.Connections(List.of("websocket", "shout"), 0)));
      try (Socket s = new Socket("127.0.0.1", port)) {
        s.setSoTimeout(10_000);
        OutputStream out = s.getOutputStream();
        out.write(
            ("GET /chat HTTP/1.1\r\nHost: web.default.mesh\r\nUpgrade: shout\r\n"
                    + "Connection: Upgrade\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        InputStream in = s.getInputStream();
        String head = readHead(in);
        assertThat(head).startsWith("HTTP/1.1 101").containsIgnoringCase("upgrade: shout");
        for (String word : List.of("hello", "tunnel", "bytes")) {
          out.write(word.getBytes(StandardCharsets.ISO_8859_1));
          out.flush();
          assertThat(new String(in.readNBytes(word.length()), StandardCharsets.ISO_8859_1))
              .isEqualTo(word.toUpperCase(Locale.ROOT));
        }
      }
      assertThat(backend.heads.poll(10, TimeUnit.SECONDS).split("\r\n"))
          .contains("upgrade: shout", "connection: upgrade");
    }
  }

  @Test
  void expectContinueWaitsForTheBackendsGoAhead() throws Exception {
    route(v1.endpoint());
    try (Wire c = new Wire(port)) {
      // The JDK server sends the 100 before its handler counts the request, so wait for the count;
      // the body is still unsent, so the backend saw the head before any body byte.
      Configs.expectContinue(
          c,
          v1,
          "/form",
          () ->
              await()
                  .atMost(Duration.ofSeconds(10))
                  .untilAsserted(() -> assertThat(v1.received.get()).isEqualTo(1)));
    }
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrder() throws Exception {
    HttpServer paths = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    paths.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    paths.createContext(
        "/",
        ex -> {
          String path = ex.getRequestURI().getPath();
          if (path.equals("/slow")) {
            try {
              // The first answer is the slowest: a proxy that answered out of order would show it.
              Thread.sleep(300);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
          byte[] b = path.getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(200, b.length);
          ex.getResponseBody().write(b);
          ex.close();
        });
    paths.start();
    try {
      route(EndpointConfig.ready("127.0.0.1", paths.getAddress().getPort()));
      try (Wire c = new Wire(port)) {
        StringBuilder all = new StringBuilder();
        for (String p : List.of("/slow", "/a", "/b", "/c")) {
          all.append("GET ").append(p).append(" HTTP/1.1\r\nHost: web.default.mesh\r\n\r\n");
        }
        List<String> bodies = new ArrayList<>();
        bodies.add(c.exchange(all.toString()).body());
        for (int i = 0; i < 3; i++) {
          bodies.add(c.read().body());
        }
        assertThat(bodies).containsExactly("/slow", "/a", "/b", "/c");
      }
    } finally {
      paths.stop(0);
    }
  }

  @Test
  void aBackendKilledMidResponseResetsOnlyThatRequest() throws Exception {
    AtomicInteger connections = new AtomicInteger();
    try (ServerSocket backend =
        new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      Thread.ofVirtual()
          .start(
              () -> {
                while (!backend.isClosed()) {
                  try {
                    Socket s = backend.accept();
                    int n = connections.incrementAndGet();
                    Thread.ofVirtual().start(() -> killOrServe(s, n % 2 == 1));
                  } catch (IOException e) {
                    return;
                  }
                }
              });
      route(EndpointConfig.ready("127.0.0.1", backend.getLocalPort()));
      // HTTP/1.1: the response started, so the only way to tell the client is to close.
      try (Wire c = new Wire(port)) {
        Wire.Answer cut = c.get("/big", "web.default.mesh");
        assertThat(cut.headers()).containsEntry("content-length", "1048576");
        assertThat(cut.body().length()).isLessThan(1048576);
        assertThat(c.closedByPeer()).isTrue();
      }
      try (Wire c = new Wire(port)) {
        assertThat(c.get("/ok", "web.default.mesh").status()).isEqualTo(200);
      }
      // HTTP/2: the stream is reset, the connection and its other streams carry on.
      try (H2Client c = new H2Client(port)) {
        assertThatThrownBy(
                () -> {
                  H2Client.Response r = c.get("/big", "web.default.mesh");
                  throw new AssertionError(
                      r.status() + " " + r.body().length() + " " + r.headers());
                })
            .isInstanceOf(ExecutionException.class);
        assertThat(c.get("/ok", "web.default.mesh").body()).isEqualTo("ok");
      }
    }
  }

  /** Odd connections promise a megabyte, send a kilobyte and reset; even ones answer "ok". */
  private static void killOrServe(Socket s, boolean kill) {
    try (s) {
      readHead(s.getInputStream());
      OutputStream out = s.getOutputStream();
      if (kill) {
        out.write(
            "HTTP/1.1 200 OK\r\nContent-Length: 1048576\r\n\r\n"
                .getBytes(StandardCharsets.ISO_8859_1));
        out.write(new byte[1024]);
        out.flush();
        // Give the proxy time to forward the head, so the reset lands mid-body, not before it.
        Thread.sleep(200);
        s.setSoLinger(true, 0);
      } else {
        out.write(
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
                .getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
      }
    } catch (IOException e) {
      // The proxy may close first; nothing to report.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static String readHead(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    int c;
    while ((c = in.read()) >= 0) {
      sb.append((char) c);
      if (sb.length() >= 4 && sb.substring(sb.length() - 4).equals("\r\n\r\n")) {
        break;
      }
    }
    return sb.toString();
  }
}
