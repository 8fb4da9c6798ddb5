package io.nodemesh.proxy;

import static io.nodemesh.proxy.Configs.config;
import static io.nodemesh.proxy.Configs.freePort;
import static io.nodemesh.proxy.Configs.local;
import static org.assertj.core.api.Assertions.assertThat;

import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.HttpMatch;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.testkit.Closing;
import io.nodemesh.testkit.HttpBackend;
import io.nodemesh.testkit.MeshConfigs;
import io.nodemesh.testkit.TcpEchoBackend;
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
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * SMI split semantics of issue 17 through the real proxy on loopback: a TCP connection matches no
 * HTTP match and goes to the root; a backend without a ready endpoint gives its share away.
 */
class SplitSemanticsIT {
  @RegisterExtension final Closing closing = new Closing();
  final NodeProxy proxy = closing.add(NodeProxy.start(local()));
  final int port = freePort();

  private static final HttpClient CLIENT =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  /** The A/B split of the issue: weights 0/100 with a match, on a TCP Service. */
  @Test
  void tcpConnectionsOfASplitWithHttpMatchesGoToTheRoot() throws Exception {
    TcpEchoBackend root = closing.add(new TcpEchoBackend("root"));
    TcpEchoBackend b = closing.add(new TcpEchoBackend("b"));
    RouteConfig route =
        new RouteConfig(
            root.backend("db", 1),
            List.of(root.backend("db-a", 0), b.backend("db-b", 100)),
            List.of(new HttpMatch("beta/b", "/", List.of(), Map.of())),
            "shop/ab");
    proxy.apply(config(1, MeshConfigs.Listener.DB.on(port, route)));
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < 10; i++) {
      try (Socket s = Configs.connect(port)) {
        s.shutdownOutput();
        String reply = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        seen.merge(
            reply.substring(reply.indexOf("from ") + 5, reply.indexOf(" after")), 1, Integer::sum);
      }
    }
    assertThat(seen).isEqualTo(Map.of("root", 10));
    assertThat(b.accepted.get()).isZero();
  }

  /** A crash-looping 10% canary: no request fails, the gauge says why. */
  @Test
  void aCanaryWithoutReadyEndpointFailsNoRequestAndIsShownInMetrics() throws Exception {
    HttpBackend v1 = closing.add(new HttpBackend("v1"));
    HttpBackend root = closing.add(new HttpBackend("root"));
    BackendConfig canary = Configs.notReady("web-v2", 10);
    proxy.apply(
        config(
            1,
            MeshConfigs.Listener.SHOP_WEB.on(
                port,
                Configs.splitNamed(
                    "shop/canary", root.backend("web", 1), v1.backend("web-v1", 90), canary))));
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
    BackendConfig ready = root.backend("web-v2", 10);
    RouteConfig split =
        Configs.splitNamed("shop/canary", root.backend("web", 1), v1.backend("web-v1", 90), ready);
    proxy.apply(config(2, MeshConfigs.Listener.SHOP_WEB.on(port, split)));
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
