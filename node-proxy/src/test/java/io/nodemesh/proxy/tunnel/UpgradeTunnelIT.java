package io.nodemesh.proxy.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodemesh.config.Protocol;
import io.nodemesh.config.tunnel.MtlsMode;
import io.nodemesh.testkit.UpgradeBackend;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A WebSocket upgrade to a pod on another node (issue 14): HTTP/2 has no {@code Upgrade} (RFC 9113
 * §8.2.2), so the caller's proxy sends the HTTP/1.1 upgrade request inside a CONNECT stream on the
 * tunnel, and after the pod's {@code 101} the same stream carries the upgraded bytes.
 */
class UpgradeTunnelIT {
  private final UpgradeBackend pod;
  private final TwoNodes nodes;

  UpgradeTunnelIT() throws Exception {
    pod = new UpgradeBackend();
    nodes = new TwoNodes();
  }

  @AfterEach
  void tearDown() throws IOException {
    nodes.close();
    pod.close();
  }

  @Test
  void aWebSocketToAPodOnAnotherNodeSwitchesAndEchoesThroughTheTunnel() throws Exception {
    int port = TwoNodes.freePort(TwoNodes.A);
    int podPort = pod.backend("db").endpoints().get(0).port();
    nodes.apply(MtlsMode.STRICT, TwoNodes.db(Protocol.HTTP, port, podPort));
    try (Socket s = new Socket()) {
      s.setSoTimeout(30_000);
      s.bind(new InetSocketAddress("127.0.0.21", 0));
      s.connect(new InetSocketAddress(TwoNodes.A, port));
      s.getOutputStream()
          .write(
              ("GET /ws HTTP/1.1\r\nHost: db.shop.mesh\r\nConnection: Upgrade\r\n"
                      + "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                      + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
                  .getBytes(StandardCharsets.ISO_8859_1));
      assertThat(TwoProxiesIT.readHead(s.getInputStream()))
          .startsWith("HTTP/1.1 101 ")
          .containsIgnoringCase("upgrade: websocket");
      s.getOutputStream().write("hello tunnel".getBytes(StandardCharsets.ISO_8859_1));
      assertThat(new String(s.getInputStream().readNBytes(12), StandardCharsets.ISO_8859_1))
          .isEqualTo("HELLO TUNNEL");
    }
    assertThat(pod.heads.poll(10, TimeUnit.SECONDS))
        .startsWith("get /ws http/1.1")
        .contains("\r\nupgrade: websocket");
    // Node b's proxy relayed it as a CONNECT stream, after its own checks.
    assertThat(TwoNodes.relayed(nodes.b, TwoNodes.B, "tcp")).isEqualTo(1);
  }
}
