package io.nodemesh.proxy;

import static io.nodemesh.proxy.Configs.config;
import static io.nodemesh.proxy.Configs.freePort;
import static io.nodemesh.proxy.Configs.local;
import static org.assertj.core.api.Assertions.assertThat;

import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.config.ServicePolicy;
import io.nodemesh.config.ServicePolicy.Balancing;
import io.nodemesh.config.ServicePolicy.HashOn;
import io.nodemesh.config.ServicePolicy.LbPolicy;
import io.nodemesh.testkit.Closing;
import io.nodemesh.testkit.HttpBackend;
import io.nodemesh.testkit.MeshConfigs;
import io.nodemesh.testkit.Wire;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Balancing policies over real sockets: affinity, latency awareness, same-node preference. */
class BalancingIT {
  private static final String HOST = "web.default.mesh";

  @RegisterExtension final Closing closing = new Closing();
  private NodeProxy proxy;
  private int port;

  HttpBackend backend(String name) throws IOException {
    return closing.add(new HttpBackend(name));
  }

  void start(Balancing balancing, List<EndpointConfig> endpoints) {
    port = freePort();
    proxy = closing.add(NodeProxy.start(local()));
    ServicePolicy p =
        new ServicePolicy(
            null, balancing, null, null, null, new ServicePolicy.Outlier(0, 0, 0), null);
    proxy.apply(
        config(
            1,
            MeshConfigs.Listener.WEB.on(
                port, RouteConfig.direct(new BackendConfig("web", 1, endpoints)), p)));
  }

  String get(String extraHeader) throws IOException {
    try (Wire c = new Wire(port)) {
      return c.exchange("GET / HTTP/1.1\r\nHost: " + HOST + "\r\n" + extraHeader + "\r\n").body();
    }
  }

  @Test
  void consistentHashKeepsEachUserOnOneBackendAndSpreadsUsers() throws Exception {
    List<EndpointConfig> eps = new ArrayList<>();
    for (String n : List.of("a", "b", "c")) {
      eps.add(backend(n).endpoint());
    }
    start(new Balancing(LbPolicy.CONSISTENT_HASH, HashOn.COOKIE, "session", true), eps);
    Map<String, Integer> usersPerBackend = new HashMap<>();
    for (int u = 0; u < 60; u++) {
      String cookie = "Cookie: theme=x; session=user-" + u + "\r\n";
      String first = get(cookie);
      for (int again = 0; again < 3; again++) {
        assertThat(get(cookie)).as("user %d", u).isEqualTo(first);
      }
      usersPerBackend.merge(first, 1, Integer::sum);
    }
    assertThat(usersPerBackend).containsOnlyKeys("a", "b", "c");
    assertThat(usersPerBackend.values()).allSatisfy(n -> assertThat(n).isGreaterThan(8));
  }

  @Test
  void peakEwmaSendsMostRequestsAwayFromASlowBackend() throws Exception {
    HttpBackend slow = backend("slow");
    slow.delayMillis = 80;
    HttpBackend fast1 = backend("fast1");
    HttpBackend fast2 = backend("fast2");
    start(
        new Balancing(LbPolicy.EWMA, null, null, true),
        List.of(slow.endpoint(), fast1.endpoint(), fast2.endpoint()));
    List<CompletableFuture<Void>> clients = new ArrayList<>();
    for (int t = 0; t < 3; t++) {
      clients.add(
          CompletableFuture.runAsync(
              () -> {
                try (Wire c = new Wire(port)) {
                  for (int i = 0; i < 100; i++) {
                    c.get("/", HOST);
                  }
                } catch (IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              },
              Thread.ofVirtual()::start));
    }
    CompletableFuture.allOf(clients.toArray(CompletableFuture[]::new)).get();
    // Round robin would give it 100 of 300; latency-aware balancing far fewer.
    assertThat(slow.received.get()).isLessThan(30);
    assertThat(fast1.received.get() + fast2.received.get()).isGreaterThan(270);
  }

  @Test
  void endpointsOnTheProxysNodeArePreferredUnlessTurnedOff() throws Exception {
    HttpBackend here = backend("here");
    HttpBackend there = backend("there");
    List<EndpointConfig> eps =
        List.of(
            new EndpointConfig("127.0.0.1", here.port(), "test-node", true, true, false),
            new EndpointConfig("127.0.0.1", there.port(), "other-node", true, true, false));
    start(new Balancing(LbPolicy.ROUND_ROBIN, null, null, true), eps);
    for (int i = 0; i < 10; i++) {
      assertThat(get("")).isEqualTo("here");
    }
    proxy.close();
    start(new Balancing(LbPolicy.ROUND_ROBIN, null, null, false), eps);
    List<String> seen = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      seen.add(get(""));
    }
    assertThat(seen).containsOnly("here", "there").contains("there");
  }

  @Test
  void aNotReadyEndpointGetsNothingAndATerminatingOneOnlyWhenNothingIsReady() throws Exception {
    HttpBackend ready = backend("ready");
    HttpBackend draining = backend("draining");
    start(
        new Balancing(LbPolicy.ROUND_ROBIN, null, null, true),
        List.of(
            ready.endpoint(),
            new EndpointConfig("127.0.0.1", draining.port(), null, false, true, true)));
    for (int i = 0; i < 6; i++) {
      assertThat(get("")).isEqualTo("ready");
    }
    proxy.close();
    start(
        new Balancing(LbPolicy.ROUND_ROBIN, null, null, true),
        List.of(
            new EndpointConfig("127.0.0.1", ready.port(), null, false, false, false),
            new EndpointConfig("127.0.0.1", draining.port(), null, false, true, true)));
    assertThat(get("")).isEqualTo("draining");
  }
}
