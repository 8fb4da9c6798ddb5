package io.nodemesh.proxy;

import static io.nodemesh.proxy.Configs.config;
import static io.nodemesh.proxy.Configs.freePort;
import static io.nodemesh.proxy.Configs.local;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.proxy.tracing.TracingOptions;
import io.nodemesh.testkit.HttpBackend;
import io.nodemesh.testkit.MeshConfigs;
import io.nodemesh.testkit.TcpEchoBackend;
import io.nodemesh.testkit.Wire;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Access log lines for real HTTP requests and TCP connections through the proxy. */
class AccessLogIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static List<JsonNode> lines(Path file) throws Exception {
    if (!Files.exists(file)) {
      return List.of();
    }
    return Files.readAllLines(file).stream()
        .map(
            l -> {
              try {
                return JSON.readTree(l);
              } catch (Exception e) {
                throw new AssertionError("not JSON: " + l, e);
              }
            })
        .toList();
  }

  /** The first of these access log lines that {@code test} accepts. */
  private static JsonNode first(List<JsonNode> all, Predicate<JsonNode> test) {
    return all.stream().filter(test).findFirst().orElseThrow();
  }

  @Test
  void oneLinePerRequestAndPerConnectionWithTheTraceId(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("access.log");
    try (OtlpReceiver otlp = new OtlpReceiver();
        HttpBackend web = new HttpBackend("v1");
        TcpEchoBackend db = new TcpEchoBackend("db");
        NodeProxy proxy =
            NodeProxy.start(
                local()
                    .withEntryPort(0)
                    .withAccessLog(file.toString())
                    .withTracing(new TracingOptions(otlp.endpoint(), null, Map.of())))) {
      int httpPort = freePort();
      int tcpPort = freePort();
      proxy.apply(
          config(
              1,
              MeshConfigs.Listener.SHOP_WEB.on(httpPort, RouteConfig.direct(web.backend("web", 1))),
              MeshConfigs.Listener.DB.on(tcpPort, RouteConfig.direct(db.backend("db", 1)))));
      try (Wire c = new Wire(httpPort)) {
        c.exchange(
            "PUT /cart/9?coupon=x HTTP/1.1\r\nHost: web.shop.mesh\r\nContent-Length: 5\r\n"
                + "traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\n\r\nhello");
      }
      try (Wire c = new Wire(proxy.entryPort())) {
        assertThat(c.get("/missing", "nope.shop.mesh").status()).isEqualTo(404);
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", tcpPort), 2000);
        s.getOutputStream().write(new byte[10]);
        s.shutdownOutput();
        s.getInputStream().readAllBytes();
      }
      await().atMost(Duration.ofSeconds(5)).until(() -> lines(file).size() >= 3);
      List<JsonNode> all = lines(file);
      JsonNode put = first(all, n -> "PUT".equals(n.path("method").asText()));
      assertThat(put.get("protocol").asText()).isEqualTo("http");
      assertThat(put.get("path").asText()).isEqualTo("/cart/9?coupon=x");
      assertThat(put.get("status").asInt()).isEqualTo(200);
      assertThat(put.get("destination").asText()).isEqualTo("shop/web:80");
      assertThat(put.get("backend").asText()).isEqualTo("web");
      assertThat(put.get("endpoint").asText()).isEqualTo("127.0.0.1:" + web.port());
      assertThat(put.get("bytes_in").asLong()).isEqualTo(5);
      assertThat(put.get("bytes_out").asLong()).isEqualTo(2);
      assertThat(put.get("trace_id").asText()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
      assertThat(put.get("source").asText()).startsWith("127.0.0.1:");
      JsonNode notFound = first(all, n -> n.path("status").asInt() == 404);
      assertThat(notFound.has("backend")).isFalse();
      JsonNode tcp = first(all, n -> "tcp".equals(n.path("protocol").asText()));
      assertThat(tcp.get("destination").asText()).isEqualTo("shop/db:5432");
      assertThat(tcp.get("bytes_in").asLong()).isEqualTo(10);
      assertThat(tcp.get("bytes_out").asLong())
          .isEqualTo(10 + TcpEchoBackend.trailer("db", 10).length);
    }
  }

  @Test
  void aRetriedRequestNamesTheEndpointThatAnswered(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("access.log");
    int dead = freePort();
    try (HttpBackend live = new HttpBackend("v1");
        NodeProxy proxy = NodeProxy.start(local().withAccessLog(file.toString()))) {
      int httpPort = freePort();
      BackendConfig web =
          new BackendConfig(
              "web",
              1,
              List.of(
                  EndpointConfig.ready("127.0.0.1", dead),
                  EndpointConfig.ready("127.0.0.1", live.port())));
      proxy.apply(
          config(
              1,
              MeshConfigs.Listener.SHOP_WEB.on(
                  httpPort,
                  RouteConfig.direct(web),
                  ResilienceIT.policy(
                      null, ResilienceIT.retries(2), null, ResilienceIT.NO_EJECTION, null))));
      // Round robin sends one of the first two requests to the dead endpoint first.
      for (int i = 0; i < 2; i++) {
        try (Wire c = new Wire(httpPort)) {
          assertThat(c.get("/", "web.shop.mesh").status()).isEqualTo(200);
        }
      }
      await().atMost(Duration.ofSeconds(5)).until(() -> lines(file).size() >= 2);
      JsonNode retried =
          lines(file).stream().filter(n -> n.path("retries").asInt() > 0).findFirst().orElseThrow();
      assertThat(retried.get("endpoint").asText()).isEqualTo("127.0.0.1:" + live.port());
    }
  }
}
