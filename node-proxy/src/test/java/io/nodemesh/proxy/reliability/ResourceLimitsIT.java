package io.nodemesh.proxy.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nodemesh.config.RouteConfig;
import io.nodemesh.proxy.NodeProxy;
import io.nodemesh.proxy.limits.LimitSettings;
import io.nodemesh.proxy.limits.RejectReason;
import io.nodemesh.proxy.upstream.HttpProxySettings;
import io.nodemesh.testkit.HttpBackend;
import io.nodemesh.testkit.MeshConfigs;
import io.nodemesh.testkit.Wire;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The per-listener connection cap and the per-Service in-flight cap hold, and recover. */
class ResourceLimitsIT {
  static final int MAX_CONNECTIONS = 40;
  static final int MAX_IN_FLIGHT = 5;
  static final String GET = "GET / HTTP/1.1\r\nHost: web.default.mesh\r\n\r\n";

  @RegisterExtension final HttpBackend web = HttpBackend.start("web");
  @RegisterExtension final HttpBackend other = HttpBackend.start("other");
  NodeProxy proxy;
  int webPort;
  int otherPort;

  @BeforeEach
  void start() throws Exception {
    proxy =
        NodeProxy.start(
            Mesh.options(),
            HttpProxySettings.defaults(),
            LimitSettings.defaults()
                .withMaxConnectionsPerListener(MAX_CONNECTIONS)
                .withMaxRequestsPerUpstream(MAX_IN_FLIGHT));
    webPort = Ports.free();
    otherPort = Ports.free();
    proxy.apply(
        Mesh.config(
            1,
            MeshConfigs.Listener.WEB.on(webPort, RouteConfig.direct(Mesh.backend("web", 1, web))),
            Mesh.http("other", otherPort, RouteConfig.direct(Mesh.backend("other", 1, other)))));
  }

  @AfterEach
  void stop() {
    proxy.close();
  }

  long total(RejectReason r) {
    return proxy.limits().rejections().total(r);
  }

  @Test
  void connectionOverTheListenerCapGets503AndCloseAndACloseFreesASlot() throws Exception {
    List<Wire> open = new ArrayList<>();
    try {
      for (int i = 0; i < MAX_CONNECTIONS; i++) {
        Wire w = new Wire(webPort);
        open.add(w);
        assertThat(w.exchange(GET).status()).isEqualTo(200);
      }
      assertThat(proxy.limits().openConnections(webPort)).isEqualTo(MAX_CONNECTIONS);
      long before = total(RejectReason.CONNECTION_LIMIT);
      try (Wire extra = new Wire(webPort)) {
        // Answered before it sends anything: the proxy says why, then closes.
        Wire.Answer a = extra.read();
        assertThat(a.statusLine()).isEqualTo("HTTP/1.1 503 Service Unavailable");
        assertThat(a.headers()).containsEntry("connection", "close");
        assertThat(a.body()).isEqualTo("too many connections on this listener\n");
        assertThat(extra.closedWithin(2000)).isTrue();
      }
      assertThat(total(RejectReason.CONNECTION_LIMIT)).isEqualTo(before + 1);
      // Another listener has its own budget.
      try (Wire w = new Wire(otherPort)) {
        assertThat(w.exchange(GET.replace("web.", "other.")).body()).isEqualTo("other");
      }
      // The open connections are unharmed, and closing one makes room for a new one.
      assertThat(open.get(0).exchange(GET).status()).isEqualTo(200);
      open.remove(0).close();
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> proxy.limits().openConnections(webPort) == MAX_CONNECTIONS - 1);
      try (Wire w = new Wire(webPort)) {
        assertThat(w.exchange(GET).status()).isEqualTo(200);
      }
    } finally {
      for (Wire w : open) {
        w.close();
      }
    }
  }

  @Test
  void requestOverTheInFlightCapOfAServiceGets503AtOnceAndOtherServicesAreNotAffected()
      throws Exception {
    web.hold = new CountDownLatch(1);
    List<Wire> held = new ArrayList<>();
    try {
      for (int i = 0; i < MAX_IN_FLIGHT; i++) {
        Wire w = new Wire(webPort);
        held.add(w.send(GET));
      }
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> proxy.limits().upstreamInFlight("default", "web") == MAX_IN_FLIGHT);
      long before = total(RejectReason.UPSTREAM_LIMIT);
      try (Wire w = new Wire(webPort)) {
        Wire.Answer a = w.exchange(GET);
        assertThat(a.statusLine()).isEqualTo("HTTP/1.1 503 Service Unavailable");
        assertThat(a.body()).isEqualTo("service default/web: too many requests in flight\n");
        // Refusing the request is not a reason to drop the client's connection.
        assertThat(a.headers()).doesNotContainKey("connection");
        web.hold.countDown();
        for (Wire h : held) {
          assertThat(h.read().status()).isEqualTo(200);
        }
        await()
            .atMost(Duration.ofSeconds(5))
            .until(() -> proxy.limits().upstreamInFlight("default", "web") == 0);
        assertThat(w.exchange(GET).status()).isEqualTo(200);
      }
      assertThat(total(RejectReason.UPSTREAM_LIMIT)).isEqualTo(before + 1);
    } finally {
      for (Wire w : held) {
        w.close();
      }
    }
  }

  @Test
  void otherServiceIsServedWhileOneIsAtItsCap() throws Exception {
    web.hold = new CountDownLatch(1);
    List<Wire> held = new ArrayList<>();
    try {
      for (int i = 0; i < MAX_IN_FLIGHT; i++) {
        held.add(new Wire(webPort).send(GET));
      }
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> proxy.limits().upstreamInFlight("default", "web") == MAX_IN_FLIGHT);
      try (Wire w = new Wire(otherPort)) {
        for (int i = 0; i < 20; i++) {
          assertThat(w.exchange(GET.replace("web.", "other.")).body()).isEqualTo("other");
        }
      }
    } finally {
      web.hold.countDown();
      for (Wire w : held) {
        w.close();
      }
    }
  }
}
