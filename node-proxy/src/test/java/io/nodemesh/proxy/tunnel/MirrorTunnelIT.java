package io.nodemesh.proxy.tunnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.Protocol;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.config.RouteFilter;
import io.nodemesh.config.RouteRule;
import io.nodemesh.config.ServicePolicy;
import io.nodemesh.config.tunnel.MtlsMode;
import io.nodemesh.testkit.HttpBackend;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A RequestMirror whose mirror pod ({@code shop/api}, 127.0.0.41) runs on node b, while the caller
 * ({@code shop/web}, 127.0.0.21) and the primary pod ({@code shop/admin}, 127.0.0.23) are on node a
 * (issue 14): the copy rides the tunnel with the caller's certificate like an ordinary request, and
 * when no tunnel can be had it is not sent at all, never in plaintext.
 */
class MirrorTunnelIT {
  private static final String BODY = "order=42&item=mirror-me";
  private static final String ROUTE = "shop/db#mirrored";

  private final TwoNodes nodes;
  private final HttpBackend primary;
  private final HttpBackend mirror;
  private final int listenerPort;

  MirrorTunnelIT() throws Exception {
    nodes = new TwoNodes();
    primary = new HttpBackend("primary", "127.0.0.23");
    mirror = new HttpBackend("mirror", "127.0.0.41");
    listenerPort = TwoNodes.freePort(TwoNodes.A);
  }

  @AfterEach
  void tearDown() {
    try (primary;
        mirror) {
      nodes.close();
    }
  }

  /** {@code shop/db} to the primary on node a, every request copied to the mirror on node b. */
  private void apply(MtlsMode mode) {
    BackendConfig root =
        new BackendConfig(
            "db",
            1,
            List.of(new EndpointConfig("127.0.0.23", primary.port(), "a", true, true, false)));
    BackendConfig copyTo =
        new BackendConfig("db-shadow", 0, List.of(TwoNodes.onB("127.0.0.41", mirror.port())));
    RouteRule rule =
        new RouteRule(
            ROUTE,
            List.of(),
            List.of(new RouteFilter.RequestMirror(copyTo, 100)),
            List.of(root),
            0,
            null,
            null,
            null);
    nodes.apply(
        mode,
        new ListenerConfig(
            "shop",
            "db",
            80,
            Protocol.HTTP,
            listenerPort,
            RouteConfig.direct(root).withRules(List.of(rule)),
            ServicePolicy.defaults()));
  }

  /** One POST from pod {@code shop/web} through node a's listener; the whole answer. */
  private String post() throws IOException {
    return TwoNodes.exchange(
        "127.0.0.21",
        listenerPort,
        "POST /orders HTTP/1.1\r\nHost: db.shop.mesh\r\nConnection: close\r\n"
            + "Content-Length: "
            + BODY.length()
            + "\r\n\r\n"
            + BODY);
  }

  private double mirrored(String result) throws Exception {
    return TwoNodes.metric(
        nodes.a,
        TwoNodes.A,
        "nodemesh_route_mirror_requests_total",
        "route=\"" + ROUTE + "\"",
        "result=\"" + result + "\"");
  }

  @Test
  void aCopyToAPodOnAnotherNodeRidesTheTunnelWithTheCallersIdentity() throws Exception {
    apply(MtlsMode.STRICT);

    assertThat(post()).startsWith("HTTP/1.1 200");

    await().atMost(Duration.ofSeconds(20)).until(() -> mirror.requests.get() == 1);
    assertThat(mirror.lastBody).isEqualTo(BODY);
    // Set by node b's proxy from the certificate node a presented for the caller's account.
    assertThat(mirror.lastHeaders.getFirst("x-nodemesh-peer-identity"))
        .isEqualTo("spiffe://" + TwoNodes.TD + "/ns/shop/sa/web");
    assertThat(TwoNodes.relayed(nodes.b, TwoNodes.B, "http")).isEqualTo(1);
    await().atMost(Duration.ofSeconds(20)).until(() -> mirrored("sent") == 1);
  }

  @Test
  void strictModeNeverSendsACopyInPlaintextWhenTheMirrorsNodeHasNoTunnel() throws Exception {
    apply(MtlsMode.STRICT);
    nodes.stopB();

    // The caller's own request is served on its node; its copy has no way but plaintext.
    assertThat(post()).startsWith("HTTP/1.1 200");

    await().atMost(Duration.ofSeconds(20)).until(() -> mirrored("failed") == 1);
    assertThat(mirror.received.get()).as("copies the mirror pod received").isZero();
  }
}
