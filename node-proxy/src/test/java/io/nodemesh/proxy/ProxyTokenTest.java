package io.nodemesh.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.MeshConfigJson;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proxy sends its token file as a Bearer token, re-reads it for each poll, and never shows it
 * on its admin port.
 */
class ProxyTokenTest {
  @TempDir Path dir;

  HttpServer controller;
  volatile String acceptedToken;
  volatile MeshConfig config = new MeshConfig(1, "mesh", List.of());
  final Set<String> seenAuthorization = ConcurrentHashMap.newKeySet();
  final AtomicInteger refused = new AtomicInteger();
  NodeProxy proxy;

  @BeforeEach
  void startController() throws IOException {
    controller = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
    controller.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    controller.createContext("/api/v1/config", this::handle);
    controller.start();
  }

  @AfterEach
  void stop() {
    if (proxy != null) {
      proxy.close();
    }
    controller.stop(0);
  }

  private void handle(HttpExchange ex) throws IOException {
    String auth = ex.getRequestHeaders().getFirst("Authorization");
    seenAuthorization.add(String.valueOf(auth));
    byte[] body;
    int status;
    MeshConfig c = config;
    String held = ex.getRequestHeaders().getFirst("If-None-Match");
    if (auth == null || !auth.equals("Bearer " + acceptedToken)) {
      refused.incrementAndGet();
      status = 401;
      body = "{\"error\":\"token not accepted\"}".getBytes(StandardCharsets.UTF_8);
    } else if (held != null && held.equals("\"" + c.version() + "\"")) {
      // A short hold stands in for the controller's long poll, so the proxy does not spin.
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      status = 304;
      body = null;
    } else {
      status = 200;
      body = MeshConfigJson.write(c).getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().add("ETag", "\"" + c.version() + "\"");
    }
    ex.sendResponseHeaders(status, body == null ? -1 : body.length);
    if (body != null) {
      ex.getResponseBody().write(body);
    }
    ex.close();
  }

  /**
   * A proxy whose token file holds {@code content}, which the controller accepts (stripped), once
   * it has applied the first config; the token file.
   */
  Path startWithToken(String content) throws Exception {
    Path token = dir.resolve("token");
    Files.writeString(token, content);
    acceptedToken = content.strip();
    proxy = start(token);
    await().atMost(Duration.ofSeconds(10)).until(() -> proxy.appliedVersion() == 1);
    return token;
  }

  NodeProxy start(Path tokenFile) {
    return NodeProxy.start(
        ProxyOptions.defaults()
            .withBindHost("127.0.0.1")
            .withAdminPort(0)
            .withEventLoopThreads(1)
            .withController(URI.create("http://127.0.0.1:" + controller.getAddress().getPort()))
            .withTokenFile(tokenFile));
  }

  String admin(String path) throws Exception {
    return Scrape.admin(proxy, path);
  }

  @Test
  void sendsTheTokenAndPicksUpARotatedOneWithoutRestart() throws Exception {
    Path token = startWithToken("first-secret-token\n");
    assertThat(seenAuthorization).contains("Bearer first-secret-token");

    // The kubelet rotates the token; the controller accepts only the new one from now on.
    Files.writeString(token, "second-secret-token");
    acceptedToken = "second-secret-token";
    config = new MeshConfig(2, "mesh", List.of());
    await().atMost(Duration.ofSeconds(10)).until(() -> proxy.appliedVersion() == 2);
    assertThat(seenAuthorization).contains("Bearer second-secret-token");
  }

  @Test
  void adminEndpointsNeverShowTheToken() throws Exception {
    startWithToken("very-secret-token");

    for (String path : List.of("/config", "/metrics", "/ready", "/ping")) {
      assertThat(admin(path)).as(path).doesNotContain("very-secret-token");
    }
    assertThat(admin("/config")).contains("\"version\"");
  }

  @Test
  void withoutATokenTheControllerRefusesAndTheProxyStaysUnconfigured() throws Exception {
    acceptedToken = "needed";
    proxy = start(null);
    await().atMost(Duration.ofSeconds(10)).until(() -> refused.get() >= 2);
    assertThat(proxy.appliedVersion()).isEqualTo(-1);
    assertThat(seenAuthorization).containsOnly("null");
  }

  @Test
  void aMissingTokenFileIsRetriedUntilItAppears() throws Exception {
    Path token = dir.resolve("late-token");
    acceptedToken = "late";
    proxy = start(token);
    Files.writeString(token, "late");
    await().atMost(Duration.ofSeconds(10)).until(() -> proxy.appliedVersion() == 1);
  }
}
