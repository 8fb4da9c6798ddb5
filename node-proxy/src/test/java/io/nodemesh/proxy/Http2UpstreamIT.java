package io.nodemesh.proxy;

import static io.nodemesh.proxy.Configs.config;
import static io.nodemesh.proxy.Configs.freePort;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.config.Scheme;
import io.nodemesh.config.ServicePolicy;
import io.nodemesh.testkit.Async;
import io.nodemesh.testkit.MeshConfigs;
import io.nodemesh.testkit.ScriptedH2Backend;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The proxy's frame-level HTTP/2 side towards an h2c backend (upstream.Http2Upstream): exchanges
 * share one connection as streams, and what happens to one stream (a reset, a GOAWAY above it, a
 * full connection) must reach that exchange alone. Every client request rides one downstream
 * connection, so one event loop's pool serves them all.
 */
class Http2UpstreamIT {
  @RegisterExtension private final LocalProxy local = LocalProxy.start();
  private final int port = freePort();

  /** A client of the listener, once it routes {@code default/web} to {@code backend} as h2c. */
  private H2Client routedClient(ScriptedH2Backend backend) throws InterruptedException {
    BackendConfig b =
        new BackendConfig("web", 1, List.of(EndpointConfig.ready("127.0.0.1", backend.port())));
    local.proxy.apply(
        config(
            1,
            MeshConfigs.Listener.WEB.on(
                port, RouteConfig.direct(b), new ServicePolicy(Scheme.H2C))));
    return new H2Client(port);
  }

  /** A GET of {@code path} that the backend holds: returns once the backend has it. */
  private static CompletableFuture<H2Client.Response> held(
      H2Client c, ScriptedH2Backend backend, String path) {
    CompletableFuture<H2Client.Response> r = Async.call(() -> c.get(path, "web.default.mesh"));
    await().atMost(Duration.ofSeconds(20)).until(() -> backend.held.containsKey(path));
    return r;
  }

  private static String body(CompletableFuture<H2Client.Response> r) throws Exception {
    return r.get(20, TimeUnit.SECONDS).body();
  }

  @Test
  void aStreamResetByTheBackendMidBodyEndsOnlyThatExchange() throws Exception {
    try (ScriptedH2Backend backend = new ScriptedH2Backend(100);
        H2Client c = routedClient(backend)) {
      CompletableFuture<H2Client.Response> other = held(c, backend, "/hold/a");
      // Head and part of the body, then RST_STREAM: the client has a part of a response, so only
      // a reset of its own stream can tell it.
      assertThatThrownBy(() -> c.get("/reset", "web.default.mesh"))
          .isInstanceOf(ExecutionException.class);
      backend.release("/hold/a");
      assertThat(body(other)).isEqualTo("done /hold/a");
      assertThat(c.get("/after", "web.default.mesh").body()).isEqualTo("done /after");
      assertThat(c.closed()).isFalse();
      // The reset ended a stream, not the shared connection.
      assertThat(backend.connections.get()).isEqualTo(1);
    }
  }

  @Test
  void goAwayFailsTheStreamsAboveItsLastStreamIdAndLetsTheOthersFinish() throws Exception {
    try (ScriptedH2Backend backend = new ScriptedH2Backend(100);
        H2Client c = routedClient(backend)) {
      CompletableFuture<H2Client.Response> below = held(c, backend, "/hold/below");
      CompletableFuture<H2Client.Response> above = held(c, backend, "/hold/above");
      // GOAWAY naming the first stream as the last one processed (RFC 9113 §6.8).
      backend.goAway("/hold/below", backend.held.get("/hold/below").id());
      assertThat(above.get(20, TimeUnit.SECONDS).status()).isEqualTo(502);
      backend.release("/hold/below");
      assertThat(body(below)).isEqualTo("done /hold/below");
      // The connection is retired: the next exchange opens another.
      assertThat(c.get("/next", "web.default.mesh").body()).isEqualTo("done /next");
      assertThat(backend.connections.get()).isEqualTo(2);
    }
  }

  @Test
  void aFullConnectionMakesTheNextStreamOpenAnotherConnection() throws Exception {
    try (ScriptedH2Backend backend = new ScriptedH2Backend(1);
        H2Client c = routedClient(backend)) {
      // Each stream reaches the backend before the next starts: its limit is known by then.
      List<CompletableFuture<H2Client.Response>> all =
          List.of(
              held(c, backend, "/hold/0"),
              held(c, backend, "/hold/1"),
              held(c, backend, "/hold/2"));
      // SETTINGS_MAX_CONCURRENT_STREAMS 1: each held stream filled a connection of its own.
      assertThat(backend.connections.get()).isEqualTo(3);
      assertThat(backend.maxStreamsOnAConnection.get()).isEqualTo(1);
      for (int i = 0; i < all.size(); i++) {
        backend.release("/hold/" + i);
        assertThat(body(all.get(i))).isEqualTo("done /hold/" + i);
      }
    }
  }
}
