package io.nodemesh.proxy.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodemesh.config.AccessConfig;
import io.nodemesh.config.HttpMatch;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.Protocol;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.proxy.Listeners;
import io.nodemesh.proxy.NodeProxy;
import io.nodemesh.proxy.ProxyOptions;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Denied and refused callers cannot grow the proxy's metric series: many known pods without a grant
 * and many unknown addresses, each with its own paths and methods, leave the set of series exactly
 * as one denial of each kind made it. Before, every denied service account got series of its own
 * ({@code source} label) on every Service it knocked on.
 */
class DeniedCallerMetricsIT {
  private static final int CALLERS = 30;

  static NormalisingBackend backend;
  static NodeProxy proxy;
  static int port;

  @BeforeAll
  static void start() throws Exception {
    backend = new NormalisingBackend();
    proxy = NodeProxy.start(new ProxyOptions(null, "127.0.0.1", 0, 0, "metrics", 2));
    port = Ports.free();
    Map<String, String> identities = new HashMap<>();
    identities.put("127.0.0.1", "default/web");
    // Known pods, each with its own service account, none of them granted anything.
    for (int i = 0; i < CALLERS; i++) {
      identities.put("127.0.2." + (10 + i), "tenant-" + i + "/sa-" + i);
    }
    ListenerConfig api =
        new ListenerConfig(
            "shop", "api", 80, Protocol.HTTP, port, RouteConfig.direct(backend.backend("api")));
    AccessConfig access =
        Listeners.webMayCall(
            api,
            identities,
            "HTTPRouteGroup shop/api-routes",
            List.of(new HttpMatch("api-routes/api", "/api", List.of("GET"), Map.of())));
    proxy.apply(new MeshConfig(1, "mesh", List.of(api), access));
  }

  @AfterAll
  static void stop() {
    proxy.close();
    backend.close();
  }

  /** Sends one request from {@code from} and returns the status; the proxy closes after it. */
  static int send(String from, int to, String method, String target) throws IOException {
    try (Socket s = new Socket()) {
      s.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
      s.connect(new InetSocketAddress("127.0.0.1", to), 2000);
      s.setSoTimeout(20_000);
      s.getOutputStream()
          .write(
              (method
                      + " "
                      + target
                      + " HTTP/1.1\r\nHost: api.shop.mesh\r\nConnection: close\r\n\r\n")
                  .getBytes(StandardCharsets.ISO_8859_1));
      String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      return Integer.parseInt(all.substring(9, 12));
    }
  }

  /** Every {@code nodemesh_} series in a scrape, with its labels. */
  static Set<String> series() throws Exception {
    Set<String> out = new TreeSet<>();
    for (String line : Ports.scrape(proxy.adminPort()).split("\n")) {
      if (line.startsWith("nodemesh_")) {
        out.add(line.substring(0, line.lastIndexOf(' ')));
      }
    }
    return out;
  }

  /** One of each: an allowed call, a denial by a known pod, by an unknown one, a refusal. */
  static void oneOfEachKind(String known, String unknown, int n) throws IOException {
    for (int to : new int[] {port, proxy.entryPort()}) {
      assertThat(send(known, to, "GET", "/admin/" + n)).isEqualTo(403);
      assertThat(send(known, to, "POST", "/api/" + n)).isEqualTo(403);
      assertThat(send(known, to, n % 2 == 0 ? "PROPFIND" : "BREW", "/api/" + n)).isEqualTo(403);
      assertThat(send(unknown, to, "GET", "/api/" + n)).isEqualTo(403);
      assertThat(send(unknown, to, "DELETE", "/x" + n + "/y")).isEqualTo(403);
      assertThat(send(known, to, "GET", "/api/" + n + "%2F..%2Fadmin")).isEqualTo(400);
      assertThat(send(unknown, to, "GET", "/api/../../" + n)).isEqualTo(400);
    }
  }

  @Test
  void deniedCallersFromManySourcesAddNoSeries() throws Exception {
    assertThat(send("127.0.0.1", port, "GET", "/api/x")).isEqualTo(200);
    assertThat(backend.seen.poll(10, TimeUnit.SECONDS)).isNotNull();
    oneOfEachKind("127.0.2.10", "127.0.3.10", 0);
    Set<String> before = series();
    assertThat(before)
        .anyMatch(
            s -> s.startsWith("nodemesh_requests_total{") && s.contains("source=\"default/web\""));

    for (int i = 1; i < CALLERS; i++) {
      oneOfEachKind("127.0.2." + (10 + i), "127.0.3." + (10 + i), i);
    }

    Set<String> after = series();
    assertThat(after).as("series added by denied callers").isEqualTo(before);
    assertThat(after).noneMatch(s -> s.contains("source=\"tenant-"));
    // Denials are still counted, in their own bounded counter.
    assertThat(Ports.scrape(proxy.adminPort()))
        .containsPattern(
            "nodemesh_access_denied_total\\{[^}]*reason=\"not_allowed\"[^}]*\\} 1[0-9]{2}\\.0");
    assertThat(backend.seen).isEmpty();
  }
}
