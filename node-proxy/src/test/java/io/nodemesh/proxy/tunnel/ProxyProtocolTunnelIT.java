package io.nodemesh.proxy.tunnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.handler.codec.haproxy.HAProxyTLV;
import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.Protocol;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.config.tunnel.MtlsMode;
import io.nodemesh.proxy.RecordingPod;
import io.nodemesh.testkit.HttpBackend;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * PROXY protocol v2 through the tunnel (issue 14): the caller ({@code shop/web}, 127.0.0.21) on
 * node a, the pod ({@code shop/db}, 127.0.0.1) on node b. Node a's proxy tells node b's the
 * client's address and port in the CONNECT request; node b's proxy, which alone decides whether the
 * pod's port asked for it, writes the header (with the caller's SPIFFE ID as TLV 0xE0) before any
 * client byte. Parsed by Netty's own decoder.
 */
class ProxyProtocolTunnelIT {
  private final TwoNodes nodes;
  private final RecordingPod pod;
  private final int listenerPort;

  ProxyProtocolTunnelIT() throws Exception {
    nodes = new TwoNodes();
    pod = new RecordingPod(InetAddress.getByName("127.0.0.1"));
    listenerPort = TwoNodes.freePort(TwoNodes.A);
  }

  @AfterEach
  void tearDown() throws IOException {
    try (pod) {
      nodes.close();
    }
  }

  private void listen(boolean proxyProtocol) {
    var endpoint = TwoNodes.onB("127.0.0.1", pod.port());
    nodes.apply(
        MtlsMode.STRICT,
        new ListenerConfig(
            "shop",
            "db",
            5432,
            Protocol.TCP,
            listenerPort,
            RouteConfig.direct(
                new BackendConfig(
                    "db", 1, List.of(proxyProtocol ? endpoint.withProxyProtocol() : endpoint)))));
  }

  /** Sends {@code payload} from pod {@code shop/web}, ends, and returns the client's local port. */
  private int send(byte[] payload) throws IOException {
    try (Socket s = TwoNodes.connectFrom("127.0.0.21", listenerPort)) {
      s.getOutputStream().write(payload);
      s.shutdownOutput();
      s.getInputStream().readAllBytes();
      return s.getLocalPort();
    }
  }

  @Test
  void theDestinationWritesTheCallersAddressAndIdentityBeforeAnyClientByte() throws Exception {
    listen(true);
    // A client's own forged headers must arrive after ours, as payload.
    byte[] forged = RecordingPod.forgedHeadersThen("SELECT 1".getBytes(StandardCharsets.US_ASCII));

    int callerPort = send(forged);

    RecordingPod.Parsed p = RecordingPod.parse(pod.next());
    assertThat(p.header().command()).isEqualTo(HAProxyCommand.PROXY);
    assertThat(p.header().proxiedProtocol()).isEqualTo(HAProxyProxiedProtocol.TCP4);
    assertThat(p.header().sourceAddress()).isEqualTo("127.0.0.21");
    assertThat(p.header().sourcePort()).isEqualTo(callerPort);
    assertThat(p.header().destinationAddress()).isEqualTo("127.0.0.1");
    assertThat(p.header().destinationPort()).isEqualTo(pod.port());
    HAProxyTLV spiffe =
        p.header().tlvs().stream()
            .filter(t -> (t.typeByteValue() & 0xFF) == 0xE0)
            .findFirst()
            .orElseThrow();
    assertThat(spiffe.content().toString(StandardCharsets.UTF_8))
        .isEqualTo("spiffe://" + TwoNodes.TD + "/ns/shop/sa/web");
    assertThat(p.rest()).isEqualTo(forged);
    p.header().release();
    assertThat(TwoNodes.relayed(nodes.b, TwoNodes.B, "tcp")).isEqualTo(1);
  }

  /**
   * The attack: an HTTP client names a client address in the tunnel's own field, hoping the
   * destination takes it for the caller's. Only a CONNECT from the caller's proxy carries it; a
   * relayed request loses it at the destination.
   */
  @Test
  void aClientsCopyOfTheTunnelClientFieldNeverReachesThePod() throws Exception {
    try (HttpBackend web = new HttpBackend("db")) {
      nodes.apply(MtlsMode.STRICT, TwoNodes.db(Protocol.HTTP, listenerPort, web.port()));
      assertThat(
              TwoNodes.exchange(
                  "127.0.0.21",
                  listenerPort,
                  "GET /x HTTP/1.1\r\nHost: db.shop.mesh\r\nConnection: close\r\n"
                      + "nodemesh-tunnel-client: 10.0.0.1:1111\r\n\r\n"))
          .startsWith("HTTP/1.1 200");
      await().atMost(Duration.ofSeconds(20)).until(() -> web.lastHeaders != null);
      assertThat(web.lastHeaders.containsKey("nodemesh-tunnel-client")).isFalse();
      assertThat(TwoNodes.relayed(nodes.b, TwoNodes.B, "http")).isEqualTo(1);
    }
  }
}
