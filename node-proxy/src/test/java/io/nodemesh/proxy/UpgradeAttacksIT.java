package io.nodemesh.proxy;

import static io.nodemesh.proxy.Configs.config;
import static io.nodemesh.proxy.Configs.freePort;
import static io.nodemesh.proxy.Configs.local;
import static org.assertj.core.api.Assertions.assertThat;

import io.nodemesh.config.RouteConfig;
import io.nodemesh.config.ServicePolicy;
import io.nodemesh.testkit.MeshConfigs;
import io.nodemesh.testkit.UpgradeBackend;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 13, upgrades: only the {@code Upgrade} protocols a Service opts into reach its pods, and
 * never {@code h2c} or {@code HTTP2-Settings}. The backend here switches to whatever it is asked,
 * so every token the proxy lets through would become an unchecked tunnel.
 */
class UpgradeAttacksIT {
  private UpgradeBackend backend;
  private NodeProxy proxy;
  private int port;

  @BeforeEach
  void start() throws IOException {
    backend = new UpgradeBackend();
    proxy = NodeProxy.start(local());
    port = freePort();
  }

  @AfterEach
  void stop() throws IOException {
    proxy.close();
    backend.close();
  }

  private void route(ServicePolicy policy) {
    proxy.apply(
        config(
            1,
            MeshConfigs.Listener.WEB.on(port, RouteConfig.direct(backend.backend("web")), policy)));
  }

  private static ServicePolicy upgrades(String... protocols) {
    return ServicePolicy.defaults()
        .withConnections(new ServicePolicy.Connections(List.of(protocols), 0));
  }

  @Test
  void h2cAndHttp2SettingsAreNotForwardedAndTheRequestIsServedAsHttp11() throws Exception {
    route(ServicePolicy.defaults());
    // Connection does not name HTTP2-Settings, so the proxy's own h2c upgrade (RFC 7540 §3.2)
    // does not take it: the old proxy passed Upgrade: h2c on and the backend's HTTP/2 became a
    // tunnel past every per-request check.
    try (Socket s = connect()) {
      send(
          s,
          "GET /a HTTP/1.1\r\nHost: web.default.mesh\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n"
              + "HTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n");
      assertServedPlain(s);
      String seen = backend.heads.poll(10, TimeUnit.SECONDS);
      assertThat(seen)
          .startsWith("get /a http/1.1")
          .doesNotContain("upgrade")
          .doesNotContain("http2-settings");
      // HTTP2-Settings alone is a connection-specific field too, never forwarded.
      send(
          s,
          "GET /b HTTP/1.1\r\nHost: web.default.mesh\r\n"
              + "HTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n");
      assertThat(readHead(s)).startsWith("HTTP/1.1 200 ");
      s.getInputStream().readNBytes(5);
      assertThat(backend.heads.poll(10, TimeUnit.SECONDS))
          .startsWith("get /b http/1.1")
          .doesNotContain("http2-settings");
    }
  }

  @Test
  void h2cIsNeverForwardedEvenWhenTheServiceListsItAmongOthers() throws Exception {
    // The policy refuses h2c outright; a Service that opts into foo still never gets h2c.
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> upgrades("websocket", "h2c"))
        .hasMessageContaining("h2c");
    route(upgrades("foo"));
    try (Socket s = connect()) {
      send(
          s,
          "GET /x HTTP/1.1\r\nHost: web.default.mesh\r\nConnection: Upgrade\r\n"
              + "Upgrade: h2c, foo\r\n\r\n");
      assertThat(readHead(s)).startsWith("HTTP/1.1 101 ").containsIgnoringCase("upgrade: foo");
      assertThat(backend.heads.poll(10, TimeUnit.SECONDS))
          .contains("\r\nupgrade: foo")
          .doesNotContain("h2c");
    }
  }

  @Test
  void anUnknownTokenIsDroppedWithoutOptInAndTheRequestGoesOnAsPlainHttp() throws Exception {
    route(ServicePolicy.defaults());
    try (Socket s = connect()) {
      send(
          s,
          "GET /chat HTTP/1.1\r\nHost: web.default.mesh\r\nConnection: Upgrade\r\n"
              + "Upgrade: foo\r\n\r\n");
      assertServedPlain(s);
      assertThat(backend.heads.poll(10, TimeUnit.SECONDS))
          .startsWith("get /chat http/1.1")
          .doesNotContain("upgrade");
      // Of several tokens only the allowed one goes on.
      send(
          s,
          "GET /ws HTTP/1.1\r\nHost: web.default.mesh\r\nConnection: Upgrade\r\n"
              + "Upgrade: foo, websocket\r\n\r\n");
      assertThat(readHead(s)).startsWith("HTTP/1.1 101 ");
      assertThat(backend.heads.poll(10, TimeUnit.SECONDS))
          .contains("\r\nupgrade: websocket")
          .doesNotContain("foo");
    }
  }

  @Test
  void anUnknownTokenIsForwardedWithOptInAndTheTunnelCarriesBytes() throws Exception {
    route(upgrades("websocket", "foo"));
    try (Socket s = connect()) {
      send(
          s,
          "GET /chat HTTP/1.1\r\nHost: web.default.mesh\r\nConnection: Upgrade\r\n"
              + "Upgrade: foo\r\n\r\n");
      assertThat(readHead(s)).startsWith("HTTP/1.1 101 ").containsIgnoringCase("upgrade: foo");
      send(s, "tunnel");
      assertThat(new String(s.getInputStream().readNBytes(6), StandardCharsets.ISO_8859_1))
          .isEqualTo("TUNNEL");
    }
    assertThat(backend.heads.poll(10, TimeUnit.SECONDS)).contains("\r\nupgrade: foo");
  }

  @Test
  void aBackendSwitchingToAProtocolNotOfferedIsABadGateway() throws Exception {
    route(ServicePolicy.defaults());
    backend.force = "h2c";
    try (Socket s = connect()) {
      send(
          s,
          "GET /ws HTTP/1.1\r\nHost: web.default.mesh\r\nConnection: Upgrade\r\n"
              + "Upgrade: websocket\r\n\r\n");
      assertThat(readHead(s)).startsWith("HTTP/1.1 502 ");
    }
    // And without any Upgrade offered, a 101 is no answer either.
    try (Socket s = connect()) {
      send(s, "GET / HTTP/1.1\r\nHost: web.default.mesh\r\n\r\n");
      assertThat(readHead(s)).startsWith("HTTP/1.1 502 ");
    }
  }

  /** The answer on {@code s} is the backend's plain 200: no switch of protocols happened. */
  private static void assertServedPlain(Socket s) throws IOException {
    assertThat(readHead(s)).startsWith("HTTP/1.1 200 ");
    assertThat(new String(s.getInputStream().readNBytes(5), StandardCharsets.ISO_8859_1))
        .isEqualTo("plain");
  }

  private Socket connect() throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
    s.setSoTimeout(20_000);
    return s;
  }

  static void send(Socket s, String text) throws IOException {
    OutputStream out = s.getOutputStream();
    out.write(text.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
  }

  /** A response head, up to and including its empty line. */
  static String readHead(Socket s) throws IOException {
    InputStream in = s.getInputStream();
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int b;
    int match = 0;
    while (match < 4 && (b = in.read()) >= 0) {
      head.write(b);
      match = (b == (match % 2 == 0 ? '\r' : '\n')) ? match + 1 : (b == '\r' ? 1 : 0);
    }
    return head.toString(StandardCharsets.ISO_8859_1);
  }
}
