package io.nodemesh.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.helidon.webserver.WebServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.Protocol;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.controller.api.ConfigApi;
import io.nodemesh.controller.api.ConfigHub;
import io.nodemesh.proxy.config.ConfigClient;
import io.nodemesh.testkit.Closing;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The real config API (Helidon, {@link ConfigApi} over a {@link ConfigHub}) and the real proxy
 * client: what a proxy downloads for a change, and that what it rebuilds from deltas is the config
 * the controller serves.
 */
class ConfigDeliveryIT {
  private final AtomicReference<MeshConfig> applied = new AtomicReference<>();
  @RegisterExtension final Closing closing = new Closing();
  private ConfigClient client;

  /**
   * {@code services} Services with two ports each and 10 endpoints per port; the Service {@code
   * moved} has its endpoints on other addresses (a rollout).
   */
  static MeshConfig cluster(long version, int services, int moved) {
    List<ListenerConfig> listeners = new ArrayList<>();
    int proxyPort = 20000;
    for (int s = 0; s < services; s++) {
      for (int port : new int[] {80, 9090}) {
        List<EndpointConfig> eps = new ArrayList<>();
        for (int e = 0; e < 10; e++) {
          int host = s == moved ? 100 + e : e + 1;
          eps.add(EndpointConfig.ready("10.1." + (s % 250) + "." + host, port + 8000));
        }
        String name = "app-" + s;
        listeners.add(
            new ListenerConfig(
                "team-" + (s % 7),
                name,
                port,
                port == 80 ? Protocol.HTTP : Protocol.TCP,
                proxyPort++,
                RouteConfig.direct(new BackendConfig(name, 1, eps))));
      }
    }
    return new MeshConfig(version, "mesh", listeners);
  }

  private WebServer serve(ConfigHub hub, int port) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    WebServer s =
        WebServer.builder()
            .host("127.0.0.1")
            .port(port)
            .routing(r -> ConfigApi.routing(r, hub, List::of, registry))
            .build()
            .start();
    closing.add(s::stop);
    return s;
  }

  private void connect(int port, java.util.function.Consumer<MeshConfig> apply) {
    client =
        closing.add(
            ConfigClient.builder(URI.create("http://127.0.0.1:" + port), apply)
                .wait(Duration.ofSeconds(2))
                .currentVersion(() -> applied.get() == null ? -1 : applied.get().version())
                .node("node-1")
                .build());
    client.start();
  }

  /** Serves {@code hub} on a free port, and a client applies what it serves. */
  private WebServer connected(ConfigHub hub) {
    WebServer server = serve(hub, 0);
    connect(server.port(), applied::set);
    awaitApplied(hub);
    return server;
  }

  private void awaitApplied(ConfigHub hub) {
    await().atMost(Duration.ofSeconds(10)).until(() -> hub.current().equals(applied.get()));
  }

  @Test
  void aOneServiceChangeIsASmallDeltaThatRebuildsTheServedConfig() {
    ConfigHub hub = new ConfigHub(cluster(1, 1000, -1));
    connected(hub);
    long fullBytes = client.bytesReceived();

    hub.publish(cluster(2, 1000, 421), true);
    awaitApplied(hub);
    long deltaBytes = client.bytesReceived() - fullBytes;

    hub.publish(cluster(3, 1000, 17), true);
    awaitApplied(hub);

    assertThat(client.fullConfigs()).isEqualTo(1);
    assertThat(client.deltas()).isEqualTo(2);
    // 2,000 listeners: about 2.1 MB of JSON, sent gzipped; the change is two listeners.
    assertThat(fullBytes).isBetween(20_000L, 400_000L);
    assertThat(deltaBytes).isLessThan(4_000);
    assertThat(applied.get()).isEqualTo(cluster(3, 1000, 17));
  }

  @Test
  void aProxyThatFellBehindTheHistoryGetsTheFullConfig() throws Exception {
    ConfigHub hub = new ConfigHub(cluster(1, 50, -1), 2);
    WebServer server = serve(hub, 0);
    Semaphore gate = new Semaphore(1);
    connect(
        server.port(),
        c -> {
          gate.acquireUninterruptibly();
          applied.set(c);
        });
    awaitApplied(hub);

    // The proxy is stuck applying version 2 while five more versions pass: 2 falls out of the
    // controller's history of two.
    hub.publish(cluster(2, 50, 2), true);
    await().atMost(Duration.ofSeconds(5)).until(() -> gate.hasQueuedThreads());
    for (long v = 3; v <= 7; v++) {
      hub.publish(cluster(v, 50, (int) v), true);
    }
    gate.release(10);
    awaitApplied(hub);

    assertThat(client.fullConfigs()).isEqualTo(2);
    assertThat(applied.get()).isEqualTo(cluster(7, 50, 7));
  }

  @Test
  void aRestartedControllerKnowsNoOldVersionAndSendsTheFullConfig() {
    ConfigHub first = new ConfigHub(cluster(1, 50, -1));
    WebServer server = connected(first);
    int port = server.port();
    first.publish(cluster(2, 50, 3), true);
    awaitApplied(first);
    assertThat(client.deltas()).isEqualTo(1);

    server.stop();
    // A new process: same address, its own history, a version from its own clock.
    ConfigHub second = new ConfigHub(MeshConfig.empty());
    second.publish(cluster(900, 50, 4), true);
    serve(second, port);
    awaitApplied(second);

    assertThat(client.fullConfigs()).isEqualTo(2);
    assertThat(client.deltas()).isEqualTo(1);
    assertThat(applied.get()).isEqualTo(cluster(900, 50, 4));
  }

  @Test
  void accessAndDomainChangesTravelInTheDeltaToo() {
    ConfigHub hub = new ConfigHub(cluster(1, 20, -1));
    connected(hub);

    MeshConfig base = cluster(2, 20, -1);
    hub.publish(
        new MeshConfig(
            2,
            "corp",
            base.listeners(),
            new io.nodemesh.config.AccessConfig(
                true, Map.of("10.9.0.1", "team-1/client"), List.of())),
        true);
    awaitApplied(hub);

    assertThat(client.deltas()).isEqualTo(1);
    assertThat(applied.get().meshDomain()).isEqualTo("corp");
    assertThat(applied.get().access().enabled()).isTrue();
  }
}
