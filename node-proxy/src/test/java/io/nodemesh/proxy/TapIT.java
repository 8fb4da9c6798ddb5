package io.nodemesh.proxy;

import static io.nodemesh.proxy.Configs.config;
import static io.nodemesh.proxy.Configs.freePort;
import static io.nodemesh.proxy.Configs.http;
import static io.nodemesh.proxy.Configs.local;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.proxy.tap.Taps;
import io.nodemesh.testkit.HttpBackend;
import io.nodemesh.testkit.MeshConfigs;
import io.nodemesh.testkit.Wire;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Live taps on a real proxy: filters, fields, rate limit, and nothing kept while nobody taps. */
class TapIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient CLIENT = HttpClient.newHttpClient();

  /** One open tap stream, read line by line on a background thread. */
  private static final class TapStream implements AutoCloseable {
    final BlockingQueue<JsonNode> requests = new LinkedBlockingQueue<>();
    volatile JsonNode lastStats;
    final int status;
    private final java.io.InputStream body;
    private final Thread reader;

    TapStream(String host, int adminPort, String query) throws Exception {
      HttpResponse<java.io.InputStream> r =
          CLIENT.send(
              HttpRequest.newBuilder(
                      URI.create("http://" + host + ":" + adminPort + "/tap?" + query))
                  .build(),
              HttpResponse.BodyHandlers.ofInputStream());
      status = r.statusCode();
      body = r.body();
      reader =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try (BufferedReader in =
                        new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
                      for (String l = in.readLine(); l != null; l = in.readLine()) {
                        JsonNode n = JSON.readTree(l);
                        if ("stats".equals(n.path("type").asText())) {
                          lastStats = n;
                        } else {
                          requests.add(n);
                        }
                      }
                    } catch (Exception e) {
                      // closed by the test
                    }
                  });
    }

    TapStream(int adminPort, String query) throws Exception {
      this("127.0.0.1", adminPort, query);
    }

    /** The next request line, failing the test when none comes within 10 s. */
    JsonNode next() throws InterruptedException {
      JsonNode n = requests.poll(10, TimeUnit.SECONDS);
      assertThat(n).as("a tapped request within 10 s").isNotNull();
      return n;
    }

    /** Waits for the first stats line, written once the tap is attached. */
    TapStream attached() {
      await().atMost(Duration.ofSeconds(10)).until(() -> lastStats != null);
      return this;
    }

    @Override
    public void close() throws Exception {
      body.close();
      reader.interrupt();
    }
  }

  private static int get(int port, String method, String path, String host) throws Exception {
    try (Wire c = new Wire(port)) {
      return c.exchange(
              method + " " + path + " HTTP/1.1\r\nHost: " + host + "\r\nContent-Length: 0\r\n\r\n")
          .status();
    }
  }

  @Test
  void aTapReceivesExactlyTheMatchingRequestsWithTheirFields() throws Exception {
    try (HttpBackend web = new HttpBackend("web");
        HttpBackend api = new HttpBackend("api");
        NodeProxy proxy = NodeProxy.start(local())) {
      int webPort = freePort();
      int apiPort = freePort();
      web.status = n -> n == 3 ? 503 : 200;
      proxy.apply(
          config(
              1,
              MeshConfigs.Listener.SHOP_WEB.on(
                  webPort,
                  RouteConfig.direct(new BackendConfig("web", 1, List.of(web.endpoint())))),
              http(
                  "shop",
                  "api",
                  80,
                  apiPort,
                  RouteConfig.direct(new BackendConfig("api", 1, List.of(api.endpoint()))))));
      try (TapStream cart =
              new TapStream(proxy.adminPort(), "service=shop/web&path=/cart").attached();
          TapStream failed = new TapStream(proxy.adminPort(), "status=5xx").attached();
          TapStream nobody = new TapStream(proxy.adminPort(), "source=10.9.9.9").attached()) {
        assertThat(get(webPort, "GET", "/cart/1", "web.shop.mesh")).isEqualTo(200);
        assertThat(get(webPort, "GET", "/other", "web.shop.mesh")).isEqualTo(200);
        assertThat(get(webPort, "POST", "/cart/2?x=1", "web.shop.mesh")).isEqualTo(503);
        assertThat(get(apiPort, "GET", "/cart/3", "api.shop.mesh")).isEqualTo(200);
        assertThat(get(webPort, "DELETE", "/cart/end", "web.shop.mesh")).isEqualTo(200);

        List<String> seen = new ArrayList<>();
        JsonNode first = cart.next();
        for (JsonNode n = first; ; n = cart.next()) {
          seen.add(
              n.get("method").asText()
                  + " "
                  + n.get("path").asText()
                  + " "
                  + n.get("status").asInt());
          if (n.get("path").asText().equals("/cart/end")) {
            break;
          }
        }
        assertThat(seen)
            .containsExactly("GET /cart/1 200", "POST /cart/2?x=1 503", "DELETE /cart/end 200");
        assertThat(first.get("type").asText()).isEqualTo("request");
        assertThat(first.get("namespace").asText()).isEqualTo("shop");
        assertThat(first.get("service").asText()).isEqualTo("web");
        assertThat(first.get("port").asInt()).isEqualTo(80);
        assertThat(first.get("backend").asText()).isEqualTo("web");
        assertThat(first.get("endpoint").asText()).isEqualTo("127.0.0.1:" + web.port());
        assertThat(first.get("source").asText()).startsWith("127.0.0.1:");
        assertThat(first.get("latency_ms").asDouble()).isPositive();
        assertThat(first.has("time")).isTrue();

        JsonNode fail = failed.next();
        assertThat(fail.get("path").asText()).isEqualTo("/cart/2?x=1");
        assertThat(fail.get("status").asInt()).isEqualTo(503);
        assertThat(failed.requests.poll(300, TimeUnit.MILLISECONDS)).isNull();
        assertThat(nobody.requests).isEmpty();
        assertThat(nobody.lastStats.get("matched").asLong()).isZero();
      }
    }
  }

  @Test
  void aTapOverItsRateDropsAndCountsTheRest() throws Exception {
    try (HttpBackend web = new HttpBackend("web");
        NodeProxy proxy = NodeProxy.start(local())) {
      int webPort = Configs.shopWebTo(proxy, web);
      try (TapStream tap = new TapStream(proxy.adminPort(), "rate=2").attached();
          Wire c = new Wire(webPort)) {
        int sent = 100;
        for (int i = 0; i < sent; i++) {
          assertThat(c.get("/r/" + i, "web.shop.mesh").status()).isEqualTo(200);
        }
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> tap.lastStats.get("matched").asLong() == sent);
        // Stats come after the events they count: once it counts all, the passed ones are queued.
        long dropped = tap.lastStats.get("dropped").asLong();
        assertThat(dropped).isPositive();
        assertThat(tap.requests.size()).isEqualTo(sent - (int) dropped);
        assertThat(tap.lastStats.get("rate").asInt()).isEqualTo(2);
      }
    }
  }

  @Test
  void nothingIsKeptWhileNobodyTapsAndALeftTapCloses() throws Exception {
    try (HttpBackend web = new HttpBackend("web");
        NodeProxy proxy = NodeProxy.start(local())) {
      int webPort = Configs.shopWebTo(proxy, web);
      TapStream gone = new TapStream(proxy.adminPort(), "").attached();
      assertThat(proxy.taps().count()).isEqualTo(1);
      gone.close();
      // The next heartbeat fails to write and the tap detaches.
      await().atMost(Duration.ofSeconds(10)).until(() -> proxy.taps().count() == 0);
      assertThat(proxy.taps().on()).isFalse();
      assertThat(get(webPort, "GET", "/before", "web.shop.mesh")).isEqualTo(200);
      try (TapStream later = new TapStream(proxy.adminPort(), "").attached()) {
        assertThat(get(webPort, "GET", "/after", "web.shop.mesh")).isEqualTo(200);
        assertThat(later.next().get("path").asText()).isEqualTo("/after");
        assertThat(later.lastStats.get("matched").asLong()).isLessThanOrEqualTo(1);
      }
    }
  }

  @Test
  void inAclModeATapNamesAndFiltersTheCallersIdentityAndSeesDenials() throws Exception {
    try (HttpBackend api = new HttpBackend("api");
        NodeProxy proxy = NodeProxy.start(local())) {
      int open = freePort();
      int closed = freePort();
      io.nodemesh.config.ListenerConfig granted =
          http(
              "shop",
              "api",
              80,
              open,
              RouteConfig.direct(new BackendConfig("api", 1, List.of(api.endpoint()))));
      io.nodemesh.config.ListenerConfig denied =
          http(
              "shop",
              "admin",
              80,
              closed,
              RouteConfig.direct(new BackendConfig("admin", 1, List.of(api.endpoint()))));
      proxy.apply(AclConfigs.acl(1, List.of(granted, denied), granted));
      try (TapStream byIdentity =
              new TapStream(proxy.adminPort(), "source=" + AclConfigs.CLIENT_SA).attached();
          TapStream other =
              new TapStream(proxy.adminPort(), "source=shop/someone-else").attached()) {
        assertThat(get(open, "GET", "/ok", "api.shop.mesh")).isEqualTo(200);
        assertThat(get(closed, "GET", "/secret", "admin.shop.mesh")).isEqualTo(403);
        JsonNode ok = byIdentity.next();
        assertThat(ok.get("path").asText()).isEqualTo("/ok");
        assertThat(ok.get("source_identity").asText()).isEqualTo(AclConfigs.CLIENT_SA);
        JsonNode refused = byIdentity.next();
        assertThat(refused.get("path").asText()).isEqualTo("/secret");
        assertThat(refused.get("status").asInt()).isEqualTo(403);
        assertThat(refused.get("service").asText()).isEqualTo("admin");
        assertThat(refused.get("source_identity").asText()).isEqualTo(AclConfigs.CLIENT_SA);
        assertThat(other.requests).isEmpty();
        assertThat(other.lastStats.get("matched").asLong()).isZero();
      }
    }
  }

  /**
   * Five times, because before the admin server closed its connections itself, the event loop's
   * shutdown left about every second open tap's connection open (the reader waited forever).
   */
  @Test
  void aProxyStopsWhileATapIsOpenAndTheStreamEnds() throws Exception {
    for (int i = 0; i < 5; i++) {
      NodeProxy proxy = NodeProxy.start(local());
      try (TapStream tap = new TapStream(proxy.adminPort(), "").attached()) {
        long start = System.nanoTime();
        proxy.close();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        await().atMost(Duration.ofSeconds(10)).until(() -> !tap.reader.isAlive());
      }
    }
  }

  @Test
  void badFiltersTooManyTapsAndLimitsAreAnswered() throws Exception {
    try (NodeProxy proxy = NodeProxy.start(local())) {
      for (String q :
          List.of(
              "status=5x",
              "status=700",
              "rate=0",
              "rate=5000",
              "path=nope",
              "service=a/b/c",
              "limit=x")) {
        HttpResponse<String> r =
            CLIENT.send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + proxy.adminPort() + "/tap?" + q))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(q).isEqualTo(400);
        assertThat(r.body()).as(q).startsWith("tap ");
      }
      List<TapStream> open = new ArrayList<>();
      try {
        for (int i = 0; i < Taps.MAX_OPEN; i++) {
          open.add(new TapStream(proxy.adminPort(), "").attached());
        }
        HttpResponse<String> r =
            CLIENT.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.adminPort() + "/tap"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(429);
      } finally {
        for (TapStream t : open) {
          t.close();
        }
      }
    }
  }

  @Test
  void aTapFromAnotherHostIsRefused() throws Exception {
    InetAddress outside = null;
    for (NetworkInterface i : NetworkInterface.networkInterfaces().toList()) {
      for (InetAddress a : i.inetAddresses().toList()) {
        if (a instanceof Inet4Address
            && !a.isLoopbackAddress()
            && !a.isLinkLocalAddress()
            && i.isUp()) {
          outside = a;
        }
      }
    }
    Assumptions.assumeTrue(outside != null, "no non-loopback IPv4 address on this machine");
    try (NodeProxy proxy =
        NodeProxy.start(new ProxyOptions(null, "0.0.0.0", 0, -1, "test-node", 2))) {
      HttpResponse<String> r =
          CLIENT.send(
              HttpRequest.newBuilder(
                      URI.create(
                          "http://" + outside.getHostAddress() + ":" + proxy.adminPort() + "/tap"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(403);
      assertThat(r.body()).contains("loopback");
      assertThat(proxy.taps().count()).isZero();
    }
  }
}
