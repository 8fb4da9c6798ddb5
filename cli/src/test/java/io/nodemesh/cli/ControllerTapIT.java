package io.nodemesh.cli;

import static io.nodemesh.cli.ShopBackends.backend;
import static io.nodemesh.cli.ShopBackends.freePort;
import static io.nodemesh.cli.ShopBackends.listener;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.MeshConfigJson;
import io.nodemesh.controller.Controller;
import io.nodemesh.controller.ControllerOptions;
import io.nodemesh.controller.api.ApiSecurity;
import io.nodemesh.controller.source.FileSource;
import io.nodemesh.controller.tap.TapSigner;
import io.nodemesh.controller.tap.TapTarget;
import io.nodemesh.proxy.NodeProxy;
import io.nodemesh.proxy.ProxyOptions;
import io.nodemesh.proxy.config.ControllerTrust;
import io.nodemesh.testkit.Closing;
import io.nodemesh.testkit.MockReviews;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18, tap through the controller: a real controller (TLS, viewer checks on, TokenReviews and
 * SubjectAccessReviews answered by fabric8's mock API server) taps a real node proxy's admin port
 * over a non-loopback address, where the proxy serves only a grant the controller signed. Two
 * Services: {@code shop/web} answers 200, {@code shop/pay} 503.
 */
@EnableKubernetesMockClient(crud = true)
class ControllerTapIT {
  static final Map<String, String> USERS = Map.of("alice-token", "alice", "bob-token", "bob");

  KubernetesMockServer server;
  KubernetesClient client;
  @TempDir Path dir;
  @RegisterExtension static final TestCas pki = new TestCas();
  @RegisterExtension final Closing closing = new Closing();
  TestCa ca;
  TestCa other;
  HttpServer web;
  HttpServer pay;
  NodeProxy proxy;
  Controller controller;
  String outside;
  int webPort;
  int payPort;
  HttpClient https;
  final List<String> accessReviews = new CopyOnWriteArrayList<>();
  static final HttpClient PLAIN = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws Exception {
    outside = outsideAddress();
    Assumptions.assumeTrue(outside != null, "no non-loopback IPv4 address on this machine");
    ca = pki.mesh();
    other = pki.rogue();
    reviews();
    web = backend(200);
    closing.add(() -> web.stop(0));
    pay = backend(503);
    closing.add(() -> pay.stop(0));
    // The proxy pins the controller CA for a controller at 127.0.0.1 (the certificate's name);
    // port 1 refuses, so the config applied below stays in force.
    proxy =
        closing.add(
            NodeProxy.start(
                new ProxyOptions(
                    URI.create("https://127.0.0.1:1"),
                    "0.0.0.0",
                    0,
                    -1,
                    "node-a",
                    2,
                    null,
                    null,
                    null,
                    ca.caCert)));
    webPort = freePort();
    payPort = freePort();
    proxy.apply(
        new MeshConfig(
            1, "mesh", List.of(listener("web", webPort, web), listener("pay", payPort, pay))));
    Path world = Files.createDirectories(dir.resolve("world"));
    controller =
        closing.add(
            Controller.start(
                ControllerOptions.defaults().withApi("127.0.0.1", 0),
                new FileSource(world),
                client,
                new ApiSecurity(null, true, ca.tls())));
    controller.tapTargets(() -> List.of(new TapTarget("node-a", outside, proxy.adminPort())));
    https = HttpClient.newBuilder().sslContext(ControllerTrust.pinned(ca.caCert)).build();
  }

  /** Alice may create taps, bob may not (he may get explanations, which does not help him). */
  void reviews() {
    MockReviews.tokenReviews(
        server,
        client,
        asked -> {
          String user = USERS.get(asked.getSpec().getToken());
          return MockReviews.user(
              user, user == null ? List.of() : List.of("system:authenticated"), null, null);
        });
    MockReviews.accessReviews(
        server,
        client,
        asked -> {
          var a = asked.getSpec().getResourceAttributes();
          accessReviews.add(
              asked.getSpec().getUser()
                  + " "
                  + a.getVerb()
                  + " "
                  + a.getResource()
                  + "."
                  + a.getGroup());
          return "nodemesh.io".equals(a.getGroup())
              && (("alice".equals(asked.getSpec().getUser())
                      && "create".equals(a.getVerb())
                      && "taps".equals(a.getResource()))
                  || ("get".equals(a.getVerb()) && "explanations".equals(a.getResource())));
        });
  }

  @Test
  void aTapThroughTheControllerReceivesExactlyTheMatchingRequests() throws Exception {
    HttpResponse<InputStream> r =
        tap("service=shop/web&path=/items/&rate=1000", "Bearer alice-token");
    assertThat(r.statusCode()).isEqualTo(200);
    try (Lines lines = new Lines(r.body())) {
      // The first stats line comes once every proxy accepted: from here on, the tap sees all.
      JsonNode first = lines.next();
      assertThat(proxyMetric("nodemesh_taps_open")).isEqualTo(1.0);
      assertThat(first.get("type").asText()).isEqualTo("stats");
      assertThat(first.get("tapping").asInt()).isEqualTo(1);
      List<String> sent = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        assertThat(call(webPort, "/items/" + i)).isEqualTo(200);
        sent.add("/items/" + i);
        assertThat(call(webPort, "/other/" + i)).isEqualTo(200);
        assertThat(call(payPort, "/items/" + i)).isEqualTo(503);
      }
      List<String> seen = new ArrayList<>();
      int statsAfterAll = 0;
      // Read until the proxy has counted all ten and two more stats lines have passed: a stray
      // request would have arrived by then.
      while (statsAfterAll < 3) {
        JsonNode n = lines.next();
        if (n.get("type").asText().equals("request")) {
          assertThat(n.get("service").asText()).isEqualTo("web");
          assertThat(n.get("namespace").asText()).isEqualTo("shop");
          assertThat(n.get("status").asInt()).isEqualTo(200);
          assertThat(n.get("node").asText()).isEqualTo("node-a");
          assertThat(n.get("method").asText()).isEqualTo("GET");
          assertThat(n.has("latency_ms")).isTrue();
          seen.add(n.get("path").asText());
        } else if (n.get("matched").asLong() == 10) {
          assertThat(n.get("dropped").asLong()).isZero();
          statsAfterAll++;
        }
      }
      Collections.sort(seen);
      Collections.sort(sent);
      assertThat(seen).isEqualTo(sent);
    }
    // The user went away: the proxy's tap closes with the controller's connection.
    assertThat(metric("nodemesh_controller_taps_total")).isEqualTo(1.0);
    await().atMost(Duration.ofSeconds(30)).until(() -> proxyMetric("nodemesh_taps_open") == 0.0);
    assertThat(accessReviews).containsExactly("alice create taps.nodemesh.io");
  }

  @Test
  void theCliTapsThroughTheControllerWhileTrafficFlows() throws Exception {
    Path token = Files.writeString(dir.resolve("alice"), "alice-token\n");
    CliTest.Result r =
        whileTrafficFlows(
            tapCommand(token, "--service", "shop/pay", "--status", "5xx", "--max", "4"));
    assertThat(r.code()).as(r.err()).isZero();
    List<String> lines = r.out().lines().toList();
    assertThat(lines).hasSize(4).allSatisfy(l -> assertThat(l).contains("503").contains("/charge"));
  }

  @Test
  void aMissingTokenIs401AndAnUnauthorisedOne403WithoutTouchingTheProxy() throws Exception {
    HttpResponse<InputStream> none = tap("service=shop/web", null);
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(body(none)).contains("Authorization");
    HttpResponse<InputStream> bob = tap("service=shop/web", "Bearer bob-token");
    assertThat(bob.statusCode()).isEqualTo(403);
    assertThat(body(bob)).contains("bob may not tap").contains("create taps.nodemesh.io");
    HttpResponse<InputStream> stranger = tap("service=shop/web", "Bearer nobody-token");
    assertThat(stranger.statusCode()).isEqualTo(401);
    assertThat(accessReviews).containsExactly("bob create taps.nodemesh.io");
    assertThat(metric("nodemesh_controller_taps_total")).isZero();

    Path token = Files.writeString(dir.resolve("bob"), "bob-token\n");
    assertThat(CliTest.stderr(1, tapCommand(token)))
        .contains("refused the tap (403)")
        .contains("create on taps.nodemesh.io")
        .doesNotContain("\tat ");
  }

  @Test
  void aBadFilterIsTheProxysWordsAsA400() throws Exception {
    HttpResponse<InputStream> r = tap("status=5x", "Bearer alice-token");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(body(r)).contains("tap status");
  }

  // Issue 13/18 attacks on the proxy's admin port from the network (a non-loopback address).

  @Test
  void theProxyRefusesANetworkCallerWithoutAGrant() throws Exception {
    HttpResponse<String> r = adminTap("service=shop/web&rate=10", Map.of());
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(r.body()).contains("signed grant");
    assertThat(proxyMetric("nodemesh_taps_open")).isZero();
  }

  @Test
  void aGrantIsGoodOnceForOneProxyAndOneFilter() throws Exception {
    TapSigner signer = TapSigner.load(ca.tlsCert, ca.tlsKey);
    String query = "service=shop/web&rate=10";
    Map<String, String> grant = signer.headers(outside, query);
    try (var first = adminTapStream(query, grant)) {
      assertThat(first.statusCode()).isEqualTo(200);
      HttpResponse<String> replay = adminTap(query, grant);
      assertThat(replay.statusCode()).isEqualTo(403);
      assertThat(replay.body()).contains("used before");
    }
    HttpResponse<String> otherFilter =
        adminTap("service=shop/pay&rate=10", signer.headers(outside, query));
    assertThat(otherFilter.statusCode()).isEqualTo(403);
    assertThat(otherFilter.body()).contains("another filter");
    HttpResponse<String> otherProxy = adminTap(query, signer.headers("10.9.8.7", query));
    assertThat(otherProxy.statusCode()).isEqualTo(403);
    assertThat(otherProxy.body()).contains("another proxy");
    Map<String, String> tampered = new java.util.HashMap<>(signer.headers(outside, query));
    String g = tampered.get("X-Nodemesh-Tap-Grant");
    tampered.put("X-Nodemesh-Tap-Grant", g.substring(0, g.length() - 4) + "AAAA");
    HttpResponse<String> forged = adminTap(query, tampered);
    assertThat(forged.statusCode()).isEqualTo(403);
    assertThat(forged.body()).contains("signature");
  }

  @Test
  void aGrantSignedByAnotherCasCertificateIsRefused() throws Exception {
    String query = "rate=10";
    HttpResponse<String> r =
        adminTap(query, TapSigner.load(other.tlsCert, other.tlsKey).headers(outside, query));
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(r.body()).contains("not a current certificate of the controller CA");
  }

  // --- helpers

  HttpResponse<InputStream> tap(String query, String authorization) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(
                URI.create("https://127.0.0.1:" + controller.apiPort() + "/api/v1/tap?" + query))
            .timeout(Duration.ofSeconds(30));
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return https.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
  }

  HttpResponse<String> adminTap(String query, Map<String, String> headers) throws Exception {
    HttpRequest.Builder b = adminRequest(query, headers);
    HttpResponse<InputStream> r = PLAIN.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream in = r.body()) {
      String body =
          r.statusCode() == 200 ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
      return new Fixed(r, body);
    }
  }

  /** An open tap stream; closing it closes the tap. */
  interface OpenTap extends AutoCloseable {
    int statusCode();

    @Override
    void close() throws Exception;
  }

  OpenTap adminTapStream(String query, Map<String, String> headers) throws Exception {
    HttpResponse<InputStream> r =
        PLAIN.send(adminRequest(query, headers).build(), HttpResponse.BodyHandlers.ofInputStream());
    return new OpenTap() {
      @Override
      public int statusCode() {
        return r.statusCode();
      }

      @Override
      public void close() throws Exception {
        r.body().close();
      }
    };
  }

  HttpRequest.Builder adminRequest(String query, Map<String, String> headers) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(
                URI.create("http://" + outside + ":" + proxy.adminPort() + "/tap?" + query))
            .timeout(Duration.ofSeconds(30));
    headers.forEach(b::header);
    return b;
  }

  /** A response whose body was read already. */
  record Fixed(HttpResponse<InputStream> r, String body) implements HttpResponse<String> {
    @Override
    public int statusCode() {
      return r.statusCode();
    }

    @Override
    public HttpRequest request() {
      return r.request();
    }

    @Override
    public java.util.Optional<HttpResponse<String>> previousResponse() {
      return java.util.Optional.empty();
    }

    @Override
    public java.net.http.HttpHeaders headers() {
      return r.headers();
    }

    @Override
    public java.util.Optional<javax.net.ssl.SSLSession> sslSession() {
      return r.sslSession();
    }

    @Override
    public URI uri() {
      return r.uri();
    }

    @Override
    public HttpClient.Version version() {
      return r.version();
    }
  }

  static String body(HttpResponse<InputStream> r) throws Exception {
    try (InputStream in = r.body()) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  double metric(String name) throws Exception {
    return scrape(https, "https://127.0.0.1:" + controller.apiPort() + "/metrics", name);
  }

  double proxyMetric(String name) throws Exception {
    return scrape(PLAIN, "http://127.0.0.1:" + proxy.adminPort() + "/metrics", name);
  }

  static double scrape(HttpClient client, String url, String name) throws Exception {
    return sum(
        client
            .send(
                HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString())
            .body(),
        name);
  }

  static double sum(String text, String name) {
    return text.lines()
        .filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{"))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }

  /** JSON lines read on their own thread, so a test waits with a timeout. */
  static final class Lines implements AutoCloseable {
    private final java.util.concurrent.BlockingQueue<JsonNode> queue =
        new java.util.concurrent.LinkedBlockingQueue<>();
    private final InputStream in;

    Lines(InputStream in) {
      this.in = in;
      Thread.ofVirtual()
          .start(
              () -> {
                try (BufferedReader r =
                    new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                  for (String l = r.readLine(); l != null; l = r.readLine()) {
                    queue.add(MeshConfigJson.mapper().readTree(l));
                  }
                } catch (Exception e) {
                  // closed by the test
                }
              });
    }

    JsonNode next() throws InterruptedException {
      JsonNode n = queue.poll(30, TimeUnit.SECONDS);
      assertThat(n).as("a line within 30 s").isNotNull();
      return n;
    }

    @Override
    public void close() throws Exception {
      in.close();
    }
  }

  /** {@code nodemesh tap} at the controller over pinned TLS, as the user of {@code token}. */
  String[] tapCommand(Path token, String... more) {
    return java.util.stream.Stream.concat(
            java.util.stream.Stream.of(
                "tap",
                "--controller",
                "https://127.0.0.1:" + controller.apiPort(),
                "--controller-ca",
                ca.caCert.toString(),
                "--token-file",
                token.toString()),
            java.util.stream.Stream.of(more))
        .toArray(String[]::new);
  }

  CliTest.Result whileTrafficFlows(String... command) throws Exception {
    return Traffic.whileFlowing(
        i -> {
          call(webPort, "/items/" + i);
          call(payPort, "/charge");
        },
        command);
  }

  static int call(int port, String path) {
    return Traffic.status(PLAIN, port, path, Duration.ofSeconds(10));
  }

  static String outsideAddress() throws Exception {
    for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      if (!ni.isUp() || ni.isLoopback()) {
        continue;
      }
      for (InetAddress a : Collections.list(ni.getInetAddresses())) {
        if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
          return a.getHostAddress();
        }
      }
    }
    return null;
  }
}
