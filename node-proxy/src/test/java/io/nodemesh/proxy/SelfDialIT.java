package io.nodemesh.proxy;

import static io.nodemesh.proxy.Configs.config;
import static io.nodemesh.proxy.Configs.freePort;
import static io.nodemesh.proxy.Configs.http;
import static io.nodemesh.proxy.Configs.local;
import static org.assertj.core.api.Assertions.assertThat;

import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.testkit.HttpBackend;
import io.nodemesh.testkit.MeshConfigs;
import io.nodemesh.testkit.Wire;
import java.io.IOException;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 13, confused deputy: an EndpointSlice that names the proxy's own address and one of its
 * ports (a listener, the entry port, the admin port) must not be dialled. The old proxy connected
 * to itself, and each hop accepted a new connection that dialled again: a loop that ended only at
 * the connection cap, with the proxy's own admin API reachable through a Service as a bonus.
 */
class SelfDialIT {
  @RegisterExtension private final HttpBackend v1 = HttpBackend.start("v1");
  private NodeProxy proxy;

  @BeforeEach
  void start() throws IOException {
    proxy = NodeProxy.start(local().withEntryPort(0));
  }

  @AfterEach
  void stop() {
    proxy.close();
  }

  private static BackendConfig at(String service, String ip, int port) {
    return new BackendConfig(service, 1, List.of(EndpointConfig.ready(ip, port)));
  }

  private static RouteConfig direct(String service, int port) {
    return RouteConfig.direct(at(service, "127.0.0.1", port));
  }

  private double accepted(String protocol) {
    return Scrape.of(proxy)
        .series()
        .getOrDefault("nodemesh_downstream_connections_total{protocol=\"" + protocol + "\"}", 0.0);
  }

  @Test
  void endpointsOnTheProxysOwnPortsAreNotDialledAndTheCallGets503AtOnce() throws Exception {
    int loop = freePort();
    int a = freePort();
    int b = freePort();
    int admin = freePort();
    int healthy = freePort();
    proxy.apply(
        config(
            1,
            // Its own port, written three ways that are all 127.0.0.1.
            http(
                "shop",
                "loop",
                80,
                loop,
                new RouteConfig(
                    at("loop", "127.0.0.1", loop),
                    List.of(
                        at("loop-a", "::ffff:127.0.0.1", loop),
                        at("loop-b", "::FFFF:7f00:1", loop)),
                    List.of(),
                    "shop/loop")),
            // Two listeners pointing at each other.
            http("shop", "a", 80, a, RouteConfig.direct(at("a", "127.0.0.1", b))),
            http("shop", "b", 80, b, RouteConfig.direct(at("b", "127.0.0.1", a))),
            // The admin port and the entry port.
            http("shop", "admin", 80, admin, direct("admin", proxy.adminPort())),
            http("shop", "entry", 81, freePort(), direct("entry", proxy.entryPort())),
            MeshConfigs.Listener.SHOP_WEB.on(healthy, RouteConfig.direct(v1.backend("web", 1)))));
    assertThat(Scrape.of(proxy).series()).containsEntry("nodemesh_self_endpoints_dropped", 7.0);
    double before = accepted("http");
    for (int port : List.of(loop, a, b, admin)) {
      long t0 = System.nanoTime();
      try (Wire c = new Wire(port)) {
        Wire.Answer r = c.get("/metrics", "x.shop.mesh");
        assertThat(r.status()).as("port %d", port).isEqualTo(503);
        assertThat(r.body()).contains("no ready endpoint");
      }
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
    }
    // Only the four client connections were accepted: nothing dialled back in.
    assertThat(accepted("http") - before).isEqualTo(4.0);
    // The proxy still serves everyone else.
    try (Wire c = new Wire(healthy)) {
      assertThat(c.get("/", "web.shop.mesh").body()).isEqualTo("v1");
    }
  }

  @Test
  void aTcpListenerPointingAtItselfClosesTheClientInsteadOfLooping() throws Exception {
    int loop = freePort();
    proxy.apply(config(1, MeshConfigs.Listener.DB.on(loop, direct("db", loop))));
    try (Socket s = Configs.connect(loop)) {
      assertThat(s.getInputStream().read()).isEqualTo(-1);
    }
    assertThat(accepted("tcp")).isLessThanOrEqualTo(1.0);
    assertThat(Scrape.of(proxy).series()).containsEntry("nodemesh_self_endpoints_dropped", 1.0);
  }

  @Test
  void gatewayApiRulesKeepRoutingAndTheirSelfBackendsAreNotDialled() throws Exception {
    int web = freePort();
    // The Service's own endpoint is this listener (as when an EndpointSlice names the node), so the
    // route is rebuilt: the old rebuild dropped the rules, / answered 503 instead of 404 and /v1
    // lost its backend; and a rule's backendRef on the proxy's own port was dialled, a loop.
    proxy.apply(
        config(
            1,
            RouteRulesIT.listener(
                web,
                at("web", "127.0.0.1", web),
                RouteRulesIT.rule(
                    "shop/web#0", List.of(RouteRulesIT.prefix("/v1")), List.of(), v1.backend("v1")),
                RouteRulesIT.rule(
                    "shop/web#1",
                    List.of(RouteRulesIT.prefix("/loop")),
                    List.of(),
                    at("loop", "127.0.0.1", web)))));
    assertThat(Scrape.of(proxy).series()).containsEntry("nodemesh_self_endpoints_dropped", 2.0);
    double before = accepted("http");
    try (Wire c = new Wire(web)) {
      assertThat(c.get("/v1/x", "web.shop.mesh").body()).isEqualTo("v1");
    }
    try (Wire c = new Wire(web)) {
      assertThat(c.get("/", "web.shop.mesh").status()).as("no rule matches").isEqualTo(404);
    }
    try (Wire c = new Wire(web)) {
      Wire.Answer r = c.get("/loop", "web.shop.mesh");
      assertThat(r.status()).isEqualTo(503);
      assertThat(r.body()).contains("no ready endpoint");
    }
    // The three client connections only: nothing dialled back in.
    assertThat(accepted("http") - before).isEqualTo(3.0);
  }
}
