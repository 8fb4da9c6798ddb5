package io.nodemesh.proxy;

import static io.nodemesh.proxy.Configs.config;
import static io.nodemesh.proxy.Configs.freePort;
import static io.nodemesh.proxy.Configs.local;
import static org.assertj.core.api.Assertions.assertThat;

import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.HttpMatch;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.testkit.HttpBackend;
import io.nodemesh.testkit.MeshConfigs;
import io.nodemesh.testkit.TcpEchoBackend;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * SMI split semantics of issue 17 through the real proxy on loopback: a TCP connection matches no
 * HTTP match and goes to the root; a backend without a ready endpoint gives its share away.
 */
class SplitSemanticsIT {
  private static final HttpClient CLIENT =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  /** The A/B split of the issue: weights 0/100 with a match, on a TCP Service. */
  @Test
  void tcpConnectionsOfASplitWithHttpMatchesGoToTheRoot() throws Exception {
    try (TcpEchoBackend root = new TcpEchoBackend("root");
        TcpEchoBackend b = new TcpEchoBackend("b");
        NodeProxy proxy = NodeProxy.start(local())) {
      int port = freePort();
      RouteConfig route =
          new RouteConfig(
              root.backend("db", 1),
              List.of(root.backend("db-a", 0), b.backend("db-b", 100)),
              List.of(new HttpMatch("beta/b", "/", List.of(), Map.of())),
              "shop/ab");
      proxy.apply(config(1, MeshConfigs.Listener.DB.on(port, route)));
      Map<String, Integer> seen = new HashMap<>();
      for (int i = 0; i < 10; i++) {
        try (Socket s = new Socket()) {
          s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
          s.setSoTimeout(10_000);
          s.shutdownOutput();
          String reply = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
          seen.merge(
              reply.substring(reply.indexOf("from ") + 5, reply.indexOf(" after")),
              1,
              Integer::sum);
        }
      }
      assertThat(seen).isEqualTo(Map.of("root", 10));
      assertThat(b.accepted.get()).isZero();
    }
  }

  /** A crash-looping 10% canary: no request fails, the gauge says why. */
  @Test
  void aCanaryWithoutReadyEndpointFailsNoRequestAndIsShownInMetrics() throws Exception {
    try (HttpBackend v1 = new HttpBackend("v1");
        HttpBackend root = new HttpBackend("root");
        NodeProxy proxy = NodeProxy.start(local())) {
      int port = freePort();
      BackendConfig canary =
          new BackendConfig(
              "web-v2",
              10,
              List.of(new EndpointConfig("127.0.0.1", freePort(), null, false, false, false)));
      proxy.apply(
          config(
              1,
              MeshConfigs.Listener.SHOP_WEB.on(
                  port,
                  new RouteConfig(
                      root.backend("web", 1),
                      List.of(v1.backend("web-v1", 90), canary),
                      List.of(),
                      "shop/canary"))));
      for (int i = 0; i < 100; i++) {
        HttpResponse<String> r =
            CLIENT.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("request %d: %s", i, r.body()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("v1");
      }
      Scrape s = Scrape.of(proxy);
      assertThat(s.sum("nodemesh_split_backend_unavailable", "backend=web-v2")).isEqualTo(1.0);
      assertThat(s.series().keySet())
          .anyMatch(
              k ->
                  k.startsWith("nodemesh_split_backend_unavailable{")
                      && k.contains("backend=\"web-v1\""));
      assertThat(s.sum("nodemesh_split_backend_unavailable", "backend=web-v1")).isZero();

      // Ready again: it takes its share back and the gauge drops.
      proxy.apply(
          config(
              2,
              MeshConfigs.Listener.SHOP_WEB.on(
                  port,
                  new RouteConfig(
                      root.backend("web", 1),
                      List.of(v1.backend("web-v1", 90), root.backend("web-v2", 10)),
                      List.of(),
                      "shop/canary"))));
      int toCanary = 0;
      for (int i = 0; i < 100; i++) {
        HttpResponse<String> r =
            CLIENT.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).build(),
                HttpResponse.BodyHandlers.ofString());
        toCanary += r.body().equals("root") ? 1 : 0;
      }
      assertThat(toCanary).isEqualTo(10);
      assertThat(Scrape.of(proxy).sum("nodemesh_split_backend_unavailable", "backend=web-v2"))
          .isZero();
    }
  }
}
