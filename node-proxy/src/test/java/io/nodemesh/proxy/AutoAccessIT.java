package io.nodemesh.proxy;

import static io.nodemesh.proxy.Configs.freePort;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nodemesh.config.AccessConfig;
import io.nodemesh.config.AccessGrant;
import io.nodemesh.config.HttpMatch;
import io.nodemesh.config.ListenerAccess;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.Protocol;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.testkit.HttpBackend;
import io.nodemesh.testkit.LoopbackHttp;
import io.nodemesh.testkit.TcpEchoBackend;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Attacks on an {@code auto} listener in ACL mode (issue 17, docs/security.md): a client chooses to
 * be relayed as TCP by staying silent past the detection timeout or by sending non-HTTP first
 * bytes. The relay must then admit only a caller that a grant without HTTP restriction allows (a
 * TCPRoute), never one whose grants are limited to some paths or methods, or the HTTP rules would
 * be walked around. {@code default/web} (127.0.0.1) may only {@code GET /public}; {@code
 * default/ops} (127.0.0.5) has a TCPRoute grant.
 */
class AutoAccessIT {
  private static final String WEB = "127.0.0.1";
  private static final String OPS = "127.0.0.5";
  private static final byte[] CLIENT_HELLO = {0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0, 0, 1, 0x03};

  @RegisterExtension private final HttpBackend api = HttpBackend.start("api");
  @RegisterExtension private final TcpEchoBackend tls = TcpEchoBackend.start("tls");
  @RegisterExtension private final LocalProxy local = LocalProxy.withAdmin("auto-acl");
  private final NodeProxy proxy = local.proxy;
  private int apiPort;
  private int tlsPort;

  @BeforeEach
  void start() {
    apiPort = freePort();
    tlsPort = freePort();
    ListenerConfig apiListener =
        new ListenerConfig(
            "shop", "api", 80, Protocol.AUTO, apiPort, RouteConfig.direct(api.backend("api")));
    ListenerConfig tlsListener =
        new ListenerConfig(
            "shop", "tls", 443, Protocol.AUTO, tlsPort, RouteConfig.direct(tls.backend("tls", 1)));
    proxy.apply(
        new MeshConfig(
            1,
            "mesh",
            List.of(apiListener, tlsListener),
            new AccessConfig(
                true,
                Map.of(WEB, "default/web", OPS, "default/ops"),
                List.of(access(apiListener), access(tlsListener)))));
  }

  /** What the controller compiles for both callers: an HTTPRouteGroup grant and a TCPRoute one. */
  private static ListenerAccess access(ListenerConfig l) {
    return new ListenerAccess(
        l.key(),
        List.of("shop/api"),
        List.of(
            new AccessGrant(
                "shop/web-to-api",
                "HTTPRouteGroup shop/public",
                "shop/api",
                List.of("default/web"),
                List.of(new HttpMatch("public/get", "/public$", List.of("GET"), Map.of()))),
            new AccessGrant(
                "shop/ops-to-api", "TCPRoute shop/all", "shop/api", List.of("default/ops"), null)));
  }

  private static Socket connect(String from, int port) {
    return LocalProxy.connect(from, port);
  }

  /** Everything the proxy sends before it closes; a reset counts as the end. */
  private static String readToClose(Socket s) throws IOException {
    InputStream in = s.getInputStream();
    StringBuilder got = new StringBuilder();
    try {
      int b;
      while ((b = in.read()) >= 0) {
        got.append((char) b);
      }
    } catch (SocketException reset) {
      // A connection the proxy closed with bytes unread may end in a reset.
    }
    return got.toString();
  }

  /** Writes and half-closes, ignoring the broken pipe of a connection the proxy has closed. */
  private static void tryWrite(Socket s, byte[] bytes) {
    try {
      s.getOutputStream().write(bytes);
      s.getOutputStream().flush();
      s.shutdownOutput();
    } catch (IOException closed) {
      // The proxy refused the connection: what the attack meets.
    }
  }

  private static byte[] raw(String method, String path) {
    return (method + " " + path + " HTTP/1.1\r\nHost: api.shop.mesh\r\nConnection: close\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);
  }

  private double deniedOnAuto() throws Exception {
    String text;
    try (HttpClient http = HttpClient.newHttpClient()) {
      text =
          LoopbackHttp.get(http, proxy.adminPort(), "/metrics", "x", null, Duration.ofSeconds(10))
              .body();
    }
    Matcher m =
        Pattern.compile(
                "nodemesh_access_denied_total\\{[^}]*protocol=\"auto\",reason=\"not_allowed\""
                    + "[^}]*service=\"api\"[^}]*\\} ([0-9.]+)")
            .matcher(text);
    double sum = 0;
    while (m.find()) {
      sum += Double.parseDouble(m.group(1));
    }
    return sum;
  }

  @Test
  void aPathLimitedCallerThatWaitsOutTheTimeoutIsNotRelayed() throws Exception {
    try (Socket s = connect(WEB, apiPort)) {
      // Silent until the proxy has decided "tcp" (past the detection timeout): it has then either
      // refused the connection (counted) or opened a relay. The attack's request comes after.
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> deniedOnAuto() >= 1 || proxy.tcpConnectionCap().open(apiPort) >= 1);
      tryWrite(s, raw("DELETE", "/admin"));
      assertThat(readToClose(s)).as("what the attacker reads").isEmpty();
    }
    assertThat(api.count("DELETE")).isZero();
    assertThat(api.requests.get()).isZero();
    assertThat(deniedOnAuto()).isEqualTo(1);
  }

  @Test
  void aPathLimitedCallerSendingATlsClientHelloIsRefused() throws Exception {
    for (int port : new int[] {tlsPort, apiPort}) {
      try (Socket s = connect(WEB, port)) {
        tryWrite(s, CLIENT_HELLO);
        assertThat(readToClose(s)).isEmpty();
      }
    }
    assertThat(tls.accepted.get()).isZero();
    assertThat(api.requests.get()).isZero();
    assertThat(deniedOnAuto()).isEqualTo(1);
  }

  @Test
  void aCallerWithATcpGrantIsRelayed() throws Exception {
    try (Socket s = connect(OPS, tlsPort)) {
      s.getOutputStream().write(CLIENT_HELLO);
      s.shutdownOutput();
      byte[] got = s.getInputStream().readAllBytes();
      assertThat(got).startsWith(CLIENT_HELLO);
    }
    // Silent past the timeout, then HTTP: relayed as bytes, and the grant allows every byte.
    try (Socket s = connect(OPS, apiPort)) {
      // Only the relay's pipeline counts connections per proxy port: it has been chosen.
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> proxy.tcpConnectionCap().open(apiPort) >= 1);
      s.getOutputStream().write(raw("DELETE", "/admin"));
      assertThat(readToClose(s)).startsWith("HTTP/1.1 200");
    }
    assertThat(api.count("DELETE")).isEqualTo(1);
    // The relay does not rewrite: only the HTTP pipeline adds X-Forwarded-For.
    assertThat(api.lastHeaders.getFirst("X-Forwarded-For")).isNull();
  }

  @Test
  void theSameCallerSpeakingHttpAtOnceMeetsThePerRequestRules() throws Exception {
    try (Socket s = connect(WEB, apiPort)) {
      s.getOutputStream().write(raw("GET", "/public"));
      assertThat(readToClose(s)).startsWith("HTTP/1.1 200");
    }
    try (Socket s = connect(WEB, apiPort)) {
      s.getOutputStream().write(raw("DELETE", "/admin"));
      assertThat(readToClose(s)).startsWith("HTTP/1.1 403");
    }
    assertThat(api.count("GET")).isEqualTo(1);
    assertThat(api.count("DELETE")).isZero();
  }
}
