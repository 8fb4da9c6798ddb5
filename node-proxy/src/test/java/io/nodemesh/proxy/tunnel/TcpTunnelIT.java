package io.nodemesh.proxy.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpsServer;
import io.nodemesh.config.Protocol;
import io.nodemesh.config.Scheme;
import io.nodemesh.config.ServicePolicy;
import io.nodemesh.config.tunnel.MtlsMode;
import io.nodemesh.proxy.TestCerts;
import io.nodemesh.testkit.TcpEchoBackend;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A TCP Service whose pod runs on node b, called from a pod on node a: the caller's proxy opens an
 * HTTP/2 CONNECT stream on the mTLS tunnel (RFC 9113 §8.5) and node b's proxy relays it to the pod
 * after its own checks (issue 14). Half-closes travel end to end as on a direct relay ({@link
 * TcpEchoBackend}: echo, then after the client's FIN a trailer and the backend's FIN).
 */
class TcpTunnelIT {
  @RegisterExtension private final TcpEchoBackend db = TcpEchoBackend.start("db");
  private final TwoNodes nodes;
  private final int listenerPort;

  TcpTunnelIT() throws Exception {
    nodes = new TwoNodes();
    listenerPort = TwoNodes.freePort(TwoNodes.A);
  }

  @AfterEach
  void tearDown() {
    nodes.close();
  }

  private void apply(MtlsMode mode) {
    nodes.apply(mode, TwoNodes.db(Protocol.TCP, listenerPort, db.server.getLocalPort()));
  }

  private Socket connectFrom(String client) throws IOException {
    return TwoNodes.connectFrom(client, listenerPort);
  }

  @Test
  void oneMebibyteCrossesTheTunnelByteExactAndTheHalfCloseWithIt() throws Exception {
    apply(MtlsMode.STRICT);
    byte[] payload = new byte[1 << 20];
    new Random(14).nextBytes(payload);
    try (Socket s = connectFrom("127.0.0.21")) {
      byte[] got = TcpEchoBackend.sendAndReadAll(s, payload);
      byte[] expected = TcpEchoBackend.echoOf("db", payload);
      assertThat(got.length).isEqualTo(expected.length);
      assertThat(Arrays.equals(got, expected)).as("byte-exact echo and trailer").isTrue();
    }
    // Node b's proxy relayed it as a CONNECT stream; node a's proxy did not dial the pod itself.
    assertThat(TwoNodes.relayed(nodes.b, TwoNodes.B, "tcp")).isEqualTo(1);
    assertThat(TwoNodes.relayed(nodes.a, TwoNodes.A, "tcp")).isZero();
  }

  @Test
  void thePodCanAnswerAfterTheClientsFinThroughTheTunnel() throws Exception {
    apply(MtlsMode.PERMISSIVE);
    try (Socket s = connectFrom("127.0.0.21")) {
      db.checkHalfClose(s);
    }
    assertThat(TwoNodes.relayed(nodes.b, TwoNodes.B, "tcp")).isEqualTo(1);
  }

  @Test
  void strictModeClosesTheClientRatherThanDialThePodWhenTheDestinationProxyIsDown()
      throws Exception {
    apply(MtlsMode.STRICT);
    nodes.stopB();
    assertNothingReachesThePod("127.0.0.21");
  }

  @Test
  void permissiveModeDoesNotFallBackToPlaintextWhenTheDestinationProxyIsDown() throws Exception {
    apply(MtlsMode.PERMISSIVE);
    nodes.stopB();
    assertNothingReachesThePod("127.0.0.21");
  }

  @Test
  void strictModeRefusesACallerWithoutAnIdentity() throws Exception {
    apply(MtlsMode.STRICT);
    assertNothingReachesThePod("127.0.0.22");
  }

  /** Permissive: a caller the table does not know as a pod has no certificate; it goes direct. */
  @Test
  void permissiveModeRelaysACallerWithoutAnIdentityDirectly() throws Exception {
    apply(MtlsMode.PERMISSIVE);
    try (Socket s = connectFrom("127.0.0.22")) {
      s.getOutputStream().write("plain".getBytes(StandardCharsets.US_ASCII));
      s.shutdownOutput();
      byte[] got = s.getInputStream().readAllBytes();
      assertThat(new String(got, StandardCharsets.US_ASCII)).startsWith("plain");
    }
    assertThat(TwoNodes.relayed(nodes.b, TwoNodes.B, "tcp")).isZero();
  }

  /**
   * An https pod on node b: a CONNECT stream through the tunnel with the application's TLS inside
   * it (before, strict mode refused it with 502 and permissive dialled the pod directly).
   */
  @Test
  void anHttpsBackendOnAnotherNodeRidesTheTunnelWithItsOwnTlsInside(@TempDir Path dir)
      throws Exception {
    TestCerts certs = new TestCerts(dir);
    HttpsServer pod = certs.http11Backend();
    try (AutoCloseable trusted = certs.trustedByDefault()) {
      applyHttps(MtlsMode.STRICT, pod.getAddress().getPort());
      for (int i = 0; i < 2; i++) {
        assertThat(get("127.0.0.21", "/g" + i)).startsWith("HTTP/1.1 200").endsWith("tls HTTP/1.1");
      }
    } finally {
      pod.stop(0);
    }
    assertThat(TwoNodes.relayed(nodes.b, TwoNodes.B, "https")).isEqualTo(2);
    assertThat(TwoNodes.relayed(nodes.a, TwoNodes.A, "https")).isZero();
  }

  /** Strict, the destination proxy down: an https pod is never dialled directly. */
  @Test
  void strictModeNeverDialsAnHttpsBackendDirectlyWhenTheDestinationProxyIsDown() throws Exception {
    applyHttps(MtlsMode.STRICT, db.server.getLocalPort());
    nodes.stopB();
    assertThat(get("127.0.0.21", "/g")).startsWith("HTTP/1.1 502");
    assertThat(db.accepted.get()).as("connections the pod accepted").isZero();
  }

  private void applyHttps(MtlsMode mode, int podPort) {
    nodes.apply(
        mode, TwoNodes.db(Protocol.HTTP, listenerPort, podPort, new ServicePolicy(Scheme.HTTPS)));
  }

  /** One HTTP/1.1 GET through node a's listener; the whole answer. */
  private String get(String client, String path) throws IOException {
    return TwoNodes.exchange(
        client,
        listenerPort,
        "GET " + path + " HTTP/1.1\r\nHost: db.shop.mesh\r\nConnection: close\r\n\r\n");
  }

  private void assertNothingReachesThePod(String client) throws IOException {
    try (Socket s = connectFrom(client)) {
      s.getOutputStream().write("secret".getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      byte[] got;
      try {
        got = s.getInputStream().readAllBytes();
      } catch (IOException reset) {
        got = new byte[0];
      }
      assertThat(got).isEmpty();
    }
    assertThat(db.accepted.get()).as("connections the pod accepted").isZero();
  }
}
