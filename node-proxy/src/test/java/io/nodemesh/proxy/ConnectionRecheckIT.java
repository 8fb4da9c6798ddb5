package io.nodemesh.proxy;

import static io.nodemesh.proxy.AclConfigs.acl;
import static io.nodemesh.proxy.Configs.freePort;
import static io.nodemesh.proxy.Configs.http;
import static io.nodemesh.proxy.Configs.local;
import static io.nodemesh.proxy.UpgradeAttacksIT.readHead;
import static io.nodemesh.proxy.UpgradeAttacksIT.send;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.proxy.recheck.Revocations;
import io.nodemesh.proxy.upstream.HttpProxySettings;
import io.nodemesh.testkit.Async;
import io.nodemesh.testkit.Closing;
import io.nodemesh.testkit.FakeController;
import io.nodemesh.testkit.HttpBackend;
import io.nodemesh.testkit.MeshConfigs;
import io.nodemesh.testkit.TcpEchoBackend;
import io.nodemesh.testkit.UpgradeBackend;
import io.nodemesh.testkit.Wire;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 13, grants that outlive their decision: in ACL mode a new config checks every open tunnel
 * and TCP relay again, and the connections of a removed listener end. Each test opens the
 * connection under a grant, takes the grant (or the listener) away, and watches the client's
 * socket.
 */
class ConnectionRecheckIT {
  private static final Duration CLOSED_WITHIN = Duration.ofSeconds(10);
  private NodeProxy proxy;
  private FakeController controller;
  private UpgradeBackend upgrades;
  private TcpEchoBackend echo;
  private HttpBackend web;

  @RegisterExtension final Closing closing = new Closing();

  private static Socket connect(int port) throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
    s.setSoTimeout((int) CLOSED_WITHIN.toMillis());
    return s;
  }

  /** Asks {@code chat.shop.mesh} for a WebSocket upgrade on {@code s}; the answer's head. */
  private static String upgradeChat(Socket s) throws IOException {
    send(
        s,
        "GET /ws HTTP/1.1\r\nHost: chat.shop.mesh\r\nConnection: Upgrade\r\n"
            + "Upgrade: websocket\r\n\r\n");
    return readHead(s);
  }

  private static String echoed(Socket s, String text) throws IOException {
    send(s, text);
    return new String(s.getInputStream().readNBytes(text.length()), StandardCharsets.ISO_8859_1);
  }

  /**
   * Sends one masked WebSocket text frame (RFC 6455 §5.2, mask key zero) and returns the payload
   * the backend echoed upper-cased (the proxy checks the client's frames, so they must be frames).
   */
  private static String echoedFrame(Socket s, String text) throws IOException {
    byte[] payload = text.getBytes(StandardCharsets.ISO_8859_1);
    byte[] frame = new byte[6 + payload.length];
    frame[0] = (byte) 0x81;
    frame[1] = (byte) (0x80 | payload.length);
    System.arraycopy(payload, 0, frame, 6, payload.length);
    s.getOutputStream().write(frame);
    s.getOutputStream().flush();
    byte[] back = s.getInputStream().readNBytes(frame.length);
    return new String(back, 6, payload.length, StandardCharsets.ISO_8859_1);
  }

  /** The client's socket reaches EOF (the proxy closed it) before its read timeout. */
  private static boolean closedByProxy(Socket s) throws IOException {
    return s.getInputStream().read() < 0;
  }

  private ListenerConfig tcp(int port) {
    return MeshConfigs.Listener.DB.on(port, RouteConfig.direct(echo.backend("db", 1)));
  }

  private double revoked(Revocations.Kind kind) {
    return proxy.revocations().count(kind);
  }

  @Test
  void revokingTheTrafficTargetClosesAnOpenWebSocketTunnel() throws Exception {
    upgrades = closing.add(new UpgradeBackend());
    controller = closing.add(new FakeController(0));
    int port = freePort();
    ListenerConfig chat =
        http("shop", "chat", 80, port, RouteConfig.direct(upgrades.backend("chat")));
    ListenerConfig other =
        http("shop", "other", 80, freePort(), RouteConfig.direct(upgrades.backend("other")));
    controller.publish(acl(1, List.of(chat), chat));
    proxy =
        closing.add(
            NodeProxy.start(
                local().withController(URI.create("http://127.0.0.1:" + controller.port() + "/")),
                HttpProxySettings.defaults(),
                Duration.ofSeconds(1)));
    await().atMost(CLOSED_WITHIN).until(() -> proxy.appliedVersion() == 1);
    try (Socket s = connect(port)) {
      assertThat(upgradeChat(s)).startsWith("HTTP/1.1 101 ");
      assertThat(echoedFrame(s, "hello")).isEqualTo("HELLO");

      // A change that keeps the grant keeps the tunnel.
      controller.publish(acl(2, List.of(chat, other), chat));
      await().atMost(CLOSED_WITHIN).until(() -> proxy.appliedVersion() == 2);
      assertThat(echoedFrame(s, "still")).isEqualTo("STILL");

      // The TrafficTarget is deleted: the tunnel it allowed ends, though the client is silent.
      controller.publish(acl(3, List.of(chat, other)));
      await().atMost(CLOSED_WITHIN).until(() -> proxy.appliedVersion() == 3);
      assertThat(closedByProxy(s)).isTrue();
    }
    assertThat(revoked(Revocations.Kind.TUNNEL)).isEqualTo(1.0);
    assertThat(Scrape.of(proxy).series())
        .containsEntry("nodemesh_connections_revoked_total{kind=\"tunnel\"}", 1.0);
    // And a new upgrade is refused as any request is.
    try (Socket s = connect(port)) {
      assertThat(upgradeChat(s)).startsWith("HTTP/1.1 403 ");
    }
  }

  @Test
  void revokingTheGrantClosesASilentTcpRelay() throws Exception {
    // The client sends nothing more; the old proxy only checked again on its next bytes.
    aSilentTcpRelayIsClosedBy(db -> acl(2, List.of(db)));
  }

  @Test
  void aRemovedListenerClosesItsTcpConnections() throws Exception {
    aSilentTcpRelayIsClosedBy(db -> acl(2, List.of()));
  }

  /**
   * A relay on {@code shop/db} echoes once, then {@code change(db)} applies: the proxy closes it.
   */
  private void aSilentTcpRelayIsClosedBy(Function<ListenerConfig, MeshConfig> change)
      throws Exception {
    echo = closing.add(new TcpEchoBackend("a"));
    proxy = closing.add(NodeProxy.start(local()));
    int port = freePort();
    ListenerConfig db = tcp(port);
    proxy.apply(acl(1, List.of(db), db));
    try (Socket s = connect(port)) {
      assertThat(echoed(s, "hello")).isEqualTo("hello");
      proxy.apply(change.apply(db));
      assertThat(closedByProxy(s)).isTrue();
    }
    assertThat(revoked(Revocations.Kind.TCP)).isEqualTo(1.0);
  }

  @Test
  void aRemovedListenerAnswersItsInFlightRequestWithConnectionCloseAndClosesIdleOnes()
      throws Exception {
    web = closing.add(new HttpBackend("v1"));
    proxy = closing.add(NodeProxy.start(local()));
    int port = freePort();
    ListenerConfig l = http("shop", "api", 80, port, RouteConfig.direct(web.backend("api", 1)));
    proxy.apply(acl(1, List.of(l), l));
    try (Wire busy = new Wire(port);
        Wire idle = new Wire(port)) {
      assertThat(idle.get("/", "api.shop.mesh").status()).isEqualTo(200);
      web.hold = new CountDownLatch(1);
      CompletableFuture<Wire.Answer> inFlight =
          Async.call(() -> busy.get("/slow", "api.shop.mesh"));
      await().atMost(CLOSED_WITHIN).until(() -> web.received.get() == 2);

      proxy.apply(acl(2, List.of()));
      // The new config reaches each connection on its event loop; release the backend only once
      // both have seen it, or the answer could leave before the busy one knows it is draining.
      await().atMost(CLOSED_WITHIN).until(() -> revoked(Revocations.Kind.HTTP) == 2.0);
      web.hold.countDown();
      Wire.Answer r = inFlight.get();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.headers()).containsEntry("connection", "close");
      assertThat(busy.closedByPeer()).isTrue();
      assertThat(idle.closedByPeer()).isTrue();
    }
    assertThat(revoked(Revocations.Kind.HTTP)).isEqualTo(2.0);
  }
}
