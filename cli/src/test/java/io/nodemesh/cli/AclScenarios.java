package io.nodemesh.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.MeshConfigJson;
import io.nodemesh.controller.Controller;
import io.nodemesh.controller.ControllerOptions;
import io.nodemesh.controller.access.Explanation;
import io.nodemesh.proxy.NodeProxy;
import io.nodemesh.testkit.K8s;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;

/**
 * ACL mode end to end; subclasses start it in local mode (YAML files) and on the Kubernetes path
 * (informers against the fabric8 mock API server, the proxy a separate component that only talks to
 * the controller over HTTP). Pods are played by loopback source addresses; every scenario is also
 * asked of {@code nodemesh explain}, which must agree with what the proxy did.
 */
abstract class AclScenarios {
  protected final List<AutoCloseable> closing = new ArrayList<>();
  protected AclWorld world;
  protected Controller controller;
  protected NodeProxy proxy;

  /** How the scenarios change the cluster. */
  interface Cluster {
    void put(HasMetadata o);

    void delete(HasMetadata o);
  }

  @AfterEach
  void stop() {
    java.util.Collections.reverse(closing);
    Lifecycle.closeAll(closing.toArray(AutoCloseable[]::new));
  }

  static ControllerOptions options() {
    return TestControllers.options("acl-it").withAcl(true);
  }

  protected void runScenarios(Cluster cluster, Supplier<List<String>> reports) throws Exception {
    await()
        .atMost(Duration.ofSeconds(15))
        .until(
            () ->
                listener("dns") != null
                    && proxy.appliedVersion() == controller.currentConfig().version()
                    && !controller.currentConfig().access().listeners().isEmpty()
                    && controller.currentConfig().access().identities().size() == 6
                    && http(AclWorld.WEB_IP, "GET", "/api/items", Map.of()).status() == 200);

    // HTTP by path, method and header
    agrees("default/web-1", AclWorld.WEB_IP, "GET", "/api/items", Map.of(), 200, "api");
    Answer write =
        agrees("default/web-1", AclWorld.WEB_IP, "POST", "/api/items", Map.of(), 403, null);
    assertThat(write.body())
        .isEqualTo("no TrafficTarget allows sa default/web to POST /api/items on shop/api");
    agrees("default/web-1", AclWorld.WEB_IP, "GET", "/v2/api", Map.of(), 403, null);
    agrees(
        "default/web-1",
        AclWorld.WEB_IP,
        "DELETE",
        "/admin/cache",
        Map.of("X-Admin-Token", "s3cret"),
        200,
        "api");
    agrees(
        "default/web-1",
        AclWorld.WEB_IP,
        "DELETE",
        "/admin/cache",
        Map.of("X-Admin-Token", "guess"),
        403,
        null);
    agrees("default/web-1", AclWorld.WEB_IP, "DELETE", "/admin/cache", Map.of(), 403, null);
    agrees("default/batch-1", AclWorld.BATCH_IP, "GET", "/api/items", Map.of(), 403, null);

    // header-based split routing: matching requests are split (all to api-v2), the rest go to api
    agrees(
        "default/web-1",
        AclWorld.WEB_IP,
        "GET",
        "/api/items",
        Map.of("X-Canary", "yes"),
        200,
        "api-v2");
    agrees(
        "default/web-1",
        AclWorld.WEB_IP,
        "GET",
        "/api/items",
        Map.of("X-Canary", "no"),
        200,
        "api");

    // an unknown source, and spoofed forwarding headers that gain nothing
    Answer unknown =
        agrees(AclWorld.NOBODY_IP, AclWorld.NOBODY_IP, "GET", "/api/items", Map.of(), 403, null);
    assertThat(unknown.body()).startsWith("source 127.0.0.4 is not a known pod");
    Map<String, String> spoof =
        Map.of(
            "X-Forwarded-For",
            AclWorld.WEB_IP,
            "Forwarded",
            "for=" + AclWorld.WEB_IP,
            "X-Real-IP",
            AclWorld.WEB_IP);
    agrees(AclWorld.NOBODY_IP, AclWorld.NOBODY_IP, "GET", "/api/items", spoof, 403, null);
    agrees("default/batch-1", AclWorld.BATCH_IP, "GET", "/api/items", spoof, 403, null);

    // HTTP/2 (h2c): every stream carries the identity of its connection
    assertThat(h2(AclWorld.WEB_IP, "/api/items")).isEqualTo("HTTP_2 200 api");
    assertThat(h2(AclWorld.BATCH_IP, "/api/items"))
        .isEqualTo(
            "HTTP_2 403 no TrafficTarget allows sa default/batch to GET /api/items on shop/api");

    // TCP: batch may use db:5432 (TCPRoute db-port), not cache:6379 on the same pod; web's
    // TrafficTarget to db has no rules and allows nothing
    assertThat(tcp(AclWorld.BATCH_IP, "db")).isEqualTo("ping");
    assertThat(connects("default/batch-1", "db.shop.mesh:5432")).isTrue();
    int cacheConnections = world.cache.accepted.get();
    assertThat(tcp(AclWorld.BATCH_IP, "cache")).isEqualTo("closed");
    assertThat(connects("default/batch-1", "cache.shop.mesh:6379")).isFalse();
    assertThat(tcp(AclWorld.WEB_IP, "db")).isEqualTo("closed");
    assertThat(explain("default/web-1", "db.shop.mesh", "GET", "/", Map.of()).message())
        .isEqualTo("no TrafficTarget allows sa default/web to connect to shop/db:5432 (tcp)");
    assertThat(world.cache.accepted.get())
        .as("no connection reached the cache")
        .isEqualTo(cacheConnections);
    assertThat(world.cache.bytes.get()).isZero();

    // A revoked TrafficTarget also ends a TCP connection opened before: the client's next bytes
    // close it, and they never reach the backend.
    try (Socket s = new Socket()) {
      s.bind(new InetSocketAddress(AclWorld.BATCH_IP, 0));
      s.connect(new InetSocketAddress("127.0.0.1", listener("db").proxyPort()), 2000);
      s.setSoTimeout(3000);
      assertThat(pingPong(s)).isEqualTo("ping");
      cluster.delete(AclWorld.batchToDb());
      await()
          .atMost(Duration.ofSeconds(3))
          .until(() -> !grants(proxy.config(), "db", 5432, "shop/batch-to-db"));
      int received = world.db.bytes.get();
      assertThat(pingPong(s)).isEqualTo("closed");
      assertThat(world.db.bytes.get()).isEqualTo(received);
    }
    cluster.put(AclWorld.batchToDb());
    await()
        .atMost(Duration.ofSeconds(3))
        .until(() -> grants(proxy.config(), "db", 5432, "shop/batch-to-db"));

    // UDP: web may send to dns, batch may not (dropped and counted)
    assertThat(udp(AclWorld.WEB_IP, "dns")).isEqualTo("ping");
    assertThat(connects("default/web-1", "dns.shop.mesh:53")).isTrue();
    int dnsReceived = world.dns.received.get();
    assertThat(udp(AclWorld.BATCH_IP, "dns")).isEqualTo("timeout");
    assertThat(explain("default/batch-1", "dns.shop.mesh:53", "GET", "/", Map.of()).reason())
        .isEqualTo("not_allowed");
    assertThat(world.dns.received.get()).isEqualTo(dnsReceived);

    // denials are counted by reason
    String metrics = scrape();
    assertThat(metrics)
        .containsPattern(
            "nodemesh_access_denied_total\\{[^}]*protocol=\"udp\",reason=\"not_allowed\""
                + "[^}]*service=\"dns\"[^}]*\\} [1-9]")
        .containsPattern(
            // api's port declares nothing, so it is auto (docs/protocols.md, rule 5)
            "nodemesh_access_denied_total\\{[^}]*protocol=\"auto\",reason=\"unknown_source\""
                + "[^}]*service=\"api\"[^}]*\\} [1-9]")
        .containsPattern(
            "nodemesh_access_denied_total\\{[^}]*protocol=\"tcp\",reason=\"not_allowed\""
                + "[^}]*service=\"cache\"[^}]*\\} [1-9]")
        .containsPattern(
            "nodemesh_requests_total\\{[^}]*code=\"200\",code_class=\"2xx\"[^}]*service=\"api\""
                + "[^}]*source=\"default/web\"[^}]*\\} [1-9]");

    // the TrafficTarget without rules is reported
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () ->
                assertThat(reports.get())
                    .anySatisfy(
                        r ->
                            assertThat(r)
                                .contains("web-to-db-no-rules")
                                .contains("allows nothing")));

    deletionUnderLoad(cluster);
    ipTakenOverByAnotherPod(cluster);
  }

  /**
   * web's pod goes away and a batch pod gets its IP, while requests keep coming from that IP: once
   * the proxy has dropped web's identity, nothing from that IP is allowed as web again.
   */
  private void ipTakenOverByAnotherPod(Cluster cluster) throws Exception {
    cluster.put(AclWorld.webToApi());
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> http(AclWorld.WEB_IP, "GET", "/api/items", Map.of()).status() == 200);
    ApiLoad load = new ApiLoad(1);
    ConcurrentLinkedQueue<Sent> sent = load.sent;
    long revoked;
    try {
      await().atMost(Duration.ofSeconds(5)).until(() -> sent.size() > 20);
      cluster.delete(K8s.pod("default", "web-1", "web", AclWorld.WEB_IP));
      cluster.put(K8s.pod("default", "intruder-1", "batch", AclWorld.WEB_IP));
      await()
          .atMost(Duration.ofSeconds(3))
          .pollInterval(Duration.ofMillis(5))
          .until(
              () ->
                  !"default/web".equals(proxy.config().access().identities().get(AclWorld.WEB_IP)));
      revoked = System.nanoTime();
      await()
          .atMost(Duration.ofSeconds(3))
          .until(
              () ->
                  "default/batch"
                      .equals(proxy.config().access().identities().get(AclWorld.WEB_IP)));
      long size = sent.size();
      await().atMost(Duration.ofSeconds(5)).until(() -> sent.size() > size + 50);
    } finally {
      load.stop();
    }
    assertThat(sent).allSatisfy(s -> assertThat(s.status()).isIn(200, 403));
    assertThat(sent)
        .filteredOn(s -> s.startNanos() > revoked)
        .isNotEmpty()
        .allSatisfy(s -> assertThat(s.status()).isEqualTo(403));
    Explanation e = explain("default/intruder-1", "api.shop.mesh", "GET", "/api/items", Map.of());
    assertThat(e.allowed()).isFalse();
    assertThat(e.sourceServiceAccount()).isEqualTo("default/batch");
    assertThat(http(AclWorld.WEB_IP, "GET", "/api/items", Map.of()).body()).isEqualTo(e.message());
  }

  /** web reads /api under load; its TrafficTarget is deleted. */
  private void deletionUnderLoad(Cluster cluster) throws Exception {
    ApiLoad load = new ApiLoad(4);
    ConcurrentLinkedQueue<Sent> sent = load.sent;
    try {
      await().atMost(Duration.ofSeconds(5)).until(() -> sent.size() > 100);
      assertThat(sent).allSatisfy(s -> assertThat(s.status()).isEqualTo(200));
      long deleted = System.nanoTime();
      cluster.delete(AclWorld.webToApi());
      // "Applied" is when the proxy's table in force no longer carries the grant.
      await()
          .atMost(Duration.ofSeconds(2))
          .pollInterval(Duration.ofMillis(5))
          .until(() -> !grants(proxy.config(), "api", "shop/web-to-api"));
      long applied = System.nanoTime();
      long sentAtApply = sent.size();
      await().atMost(Duration.ofSeconds(5)).until(() -> sent.size() > sentAtApply + 100);
      load.stop();
      assertThat(sent)
          .filteredOn(s -> s.startNanos() > applied)
          .isNotEmpty()
          .allSatisfy(s -> assertThat(s.status()).isEqualTo(403));
      long firstDenied =
          sent.stream()
              .filter(s -> s.status() == 403)
              .mapToLong(Sent::startNanos)
              .min()
              .orElseThrow();
      Duration toDenial = Duration.ofNanos(firstDenied - deleted);
      System.getLogger(getClass().getName())
          .log(
              System.Logger.Level.INFO,
              "TrafficTarget deleted: applied by the proxy after {0} ms, first denial after {1} ms,"
                  + " {2} requests",
              Duration.ofNanos(applied - deleted).toMillis(),
              toDenial.toMillis(),
              sent.size());
      assertThat(toDenial).isLessThan(Duration.ofSeconds(2));
      assertThat(sent).allSatisfy(s -> assertThat(s.status()).isIn(200, 403));
    } finally {
      load.stop();
    }
    assertThat(explain("default/web-1", "api.shop.mesh", "GET", "/api/items", Map.of()).allowed())
        .isFalse();
  }

  record Sent(long startNanos, int status) {}

  /** Clients on web's address sending {@code GET /api/items} back to back, until stopped. */
  private final class ApiLoad {
    final ConcurrentLinkedQueue<Sent> sent = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> threads = new ArrayList<>();

    ApiLoad(int clients) {
      for (int i = 0; i < clients; i++) {
        threads.add(
            Thread.ofPlatform()
                .start(
                    () -> {
                      HttpClient c = httpClient(AclWorld.WEB_IP);
                      while (running.get()) {
                        long start = System.nanoTime();
                        sent.add(new Sent(start, send(c, "GET", "/api/items", Map.of()).status()));
                      }
                    }));
      }
    }

    /** Stops sending and waits for the clients (a second call returns at once). */
    void stop() throws InterruptedException {
      running.set(false);
      for (Thread t : threads) {
        t.join(10_000);
      }
    }
  }

  /** Whether the controller explains a connection (plain GET /) from {@code pod} as allowed. */
  private boolean connects(String pod, String destination) {
    return explain(pod, destination, "GET", "/", Map.of()).allowed();
  }

  private static boolean grants(MeshConfig config, String service, String trafficTarget) {
    return grants(config, service, 80, trafficTarget);
  }

  private static boolean grants(MeshConfig config, String service, int port, String trafficTarget) {
    return config.access().listeners().stream()
        .filter(l -> l.listener().equals(AclWorld.NS + "/" + service + ":" + port))
        .flatMap(l -> l.grants().stream())
        .anyMatch(g -> g.trafficTarget().equals(trafficTarget));
  }

  record Answer(int status, String body) {}

  /**
   * Sends one request from {@code ip} and asks explain the same question; asserts both agree and
   * match the expectation ({@code backend} is the Service that answered when allowed).
   */
  private Answer agrees(
      String from,
      String ip,
      String method,
      String path,
      Map<String, String> headers,
      int status,
      String backend) {
    Answer a = http(ip, method, path, headers);
    assertThat(a.status()).as("%s %s %s from %s", method, path, headers, ip).isEqualTo(status);
    Explanation e = explain(from, "api.shop.mesh", method, path, headers);
    assertThat(e.allowed())
        .as("explain agrees on %s %s from %s", method, path, from)
        .isEqualTo(status == 200);
    if (status == 200) {
      assertThat(a.body()).isEqualTo(backend);
      assertThat(e.backends()).extracting(Explanation.Backend::service).containsExactly(backend);
    } else {
      assertThat(a.body()).isEqualTo(e.message());
    }
    return a;
  }

  private Explanation explain(
      String from, String to, String method, String path, Map<String, String> headers) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "explain",
                "--controller",
                "http://127.0.0.1:" + controller.apiPort(),
                "--from",
                from,
                "--to",
                to,
                "--method",
                method,
                "--path",
                path,
                "--json"));
    headers.forEach((k, v) -> args.addAll(List.of("--header", k + "=" + v)));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        Main.run(
            args.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
    assertThat(err.toString()).isEmpty();
    try {
      Explanation e = MeshConfigJson.mapper().readValue(out.toString(), Explanation.class);
      assertThat(code).isEqualTo(e.allowed() ? 0 : ExplainCommand.DENIED);
      return e;
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
  }

  private ListenerConfig listener(String service) {
    return controller.currentConfig().listeners().stream()
        .filter(l -> l.namespace().equals(AclWorld.NS) && l.service().equals(service))
        .findFirst()
        .orElse(null);
  }

  private static HttpClient httpClient(String ip) {
    try {
      return HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .localAddress(InetAddress.getByName(ip))
          .connectTimeout(Duration.ofSeconds(2))
          .build();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Answer http(String ip, String method, String path, Map<String, String> headers) {
    return send(httpClient(ip), method, path, headers);
  }

  private Answer send(HttpClient c, String method, String path, Map<String, String> headers) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + listener("api").proxyPort() + path))
            .timeout(Duration.ofSeconds(5))
            .method(method, HttpRequest.BodyPublishers.noBody());
    headers.forEach(b::header);
    try {
      HttpResponse<String> r = c.send(b.build(), HttpResponse.BodyHandlers.ofString());
      return new Answer(r.statusCode(), r.body().strip());
    } catch (IOException e) {
      return new Answer(-1, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Answer(-1, "interrupted");
    }
  }

  /** Two GETs over one h2c connection from {@code ip}; the second's version, status and body. */
  private String h2(String ip, String path) throws Exception {
    HttpClient c =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_2)
            .localAddress(InetAddress.getByName(ip))
            .connectTimeout(Duration.ofSeconds(2))
            .build();
    HttpRequest r =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + listener("api").proxyPort() + path))
            .timeout(Duration.ofSeconds(5))
            .build();
    // The first request upgrades the connection (RFC 7540 section 3.2), the second is a stream.
    c.send(r, HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> second = c.send(r, HttpResponse.BodyHandlers.ofString());
    return second.version() + " " + second.statusCode() + " " + second.body().strip();
  }

  /** Sends "ping" over TCP from {@code ip}; the echo, or "closed". */
  private String tcp(String ip, String service) throws IOException {
    try (Socket s = new Socket()) {
      s.bind(new InetSocketAddress(ip, 0));
      s.connect(new InetSocketAddress("127.0.0.1", listener(service).proxyPort()), 2000);
      s.setSoTimeout(3000);
      return pingPong(s);
    }
  }

  /** Writes "ping" and reads 4 bytes back: the echo, "closed" or "timeout". */
  private static String pingPong(Socket s) {
    try {
      s.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      InputStream in = s.getInputStream();
      byte[] buf = new byte[4];
      int n = 0;
      while (n < 4) {
        int r = in.read(buf, n, 4 - n);
        if (r < 0) {
          return "closed";
        }
        n += r;
      }
      return new String(buf, StandardCharsets.US_ASCII);
    } catch (SocketTimeoutException e) {
      return "timeout";
    } catch (IOException e) {
      // a reset: the proxy closed it
      return "closed";
    }
  }

  /** Sends "ping" over UDP from {@code ip}; the echo, or "timeout" after 700 ms. */
  private String udp(String ip, String service) throws IOException {
    try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(ip, 0))) {
      s.setSoTimeout(700);
      byte[] ping = "ping".getBytes(StandardCharsets.US_ASCII);
      s.send(
          new DatagramPacket(
              ping,
              ping.length,
              new InetSocketAddress("127.0.0.1", listener(service).proxyPort())));
      DatagramPacket reply = new DatagramPacket(new byte[64], 64);
      try {
        s.receive(reply);
        return new String(reply.getData(), 0, reply.getLength(), StandardCharsets.US_ASCII);
      } catch (SocketTimeoutException e) {
        return "timeout";
      }
    }
  }

  private String scrape() throws Exception {
    return Traffic.client()
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.adminPort() + "/metrics"))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }
}
