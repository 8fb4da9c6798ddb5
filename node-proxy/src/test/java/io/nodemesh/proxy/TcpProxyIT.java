package io.nodemesh.proxy;

import static io.nodemesh.proxy.Configs.config;
import static io.nodemesh.proxy.Configs.connect;
import static io.nodemesh.proxy.Configs.freePort;
import static io.nodemesh.proxy.Configs.local;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.Protocol;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.testkit.Closing;
import io.nodemesh.testkit.TcpEchoBackend;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** TCP listeners end to end over loopback: relay, half-close, split by weight, no endpoint. */
class TcpProxyIT {
  @RegisterExtension private final TcpEchoBackend a = TcpEchoBackend.start("a");
  @RegisterExtension private final TcpEchoBackend b = TcpEchoBackend.start("b");
  @RegisterExtension private final Closing closing = new Closing();
  private final NodeProxy proxy = closing.add(NodeProxy.start(local()));

  private static ListenerConfig tcp(String svc, int proxyPort, RouteConfig route) {
    return new ListenerConfig("shop", svc, 5432, Protocol.TCP, proxyPort, route);
  }

  @Test
  void oneMebibyteIsRelayedExactlyBothWays() throws Exception {
    int port = freePort();
    proxy.apply(config(1, tcp("db", port, RouteConfig.direct(a.backend("db", 1)))));
    byte[] payload = new byte[1 << 20];
    new Random(42).nextBytes(payload);
    try (Socket s = connect(port)) {
      byte[] got = TcpEchoBackend.sendAndReadAll(s, payload);
      assertThat(Arrays.equals(got, TcpEchoBackend.echoOf("a", payload))).isTrue();
    }
  }

  @Test
  void halfCloseLetsTheBackendReplyAfterTheClientsFin() throws Exception {
    int port = freePort();
    proxy.apply(config(1, tcp("db", port, RouteConfig.direct(a.backend("db", 1)))));
    try (Socket s = connect(port)) {
      a.checkHalfClose(s);
    }
  }

  @Test
  void connectionsAreSplitByWeightExactly() throws Exception {
    int port = freePort();
    proxy.apply(
        config(
            1,
            tcp(
                "db",
                port,
                Configs.splitNamed(
                    "shop/db-split",
                    a.backend("db", 1),
                    a.backend("db-a", 3),
                    b.backend("db-b", 1)))));
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < 40; i++) {
      try (Socket s = connect(port)) {
        s.shutdownOutput();
        String reply = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        String name = reply.substring(reply.indexOf("from ") + 5, reply.indexOf(" after"));
        seen.merge(name, 1, Integer::sum);
      }
    }
    assertThat(seen).isEqualTo(Map.of("a", 30, "b", 10));
    assertThat(a.accepted.get()).isEqualTo(30);
    assertThat(b.accepted.get()).isEqualTo(10);
  }

  @Test
  void noReadyEndpointOrAFailedConnectClosesTheClientConnection() throws Exception {
    int none = freePort();
    int refused = freePort();
    int closedPort = freePort();
    proxy.apply(
        config(
            1,
            tcp("none", none, RouteConfig.direct(new BackendConfig("none", 1, List.of()))),
            tcp(
                "refused",
                refused,
                RouteConfig.direct(
                    new BackendConfig(
                        "refused", 1, List.of(EndpointConfig.ready("127.0.0.1", closedPort)))))));
    for (int port : new int[] {none, refused}) {
      try (Socket s = connect(port)) {
        assertThat(readToEnd(s.getInputStream())).isEqualTo(-1);
      }
    }
  }

  /** -1 when the proxy closed the connection (FIN or reset) without sending anything. */
  private static int readToEnd(InputStream in) {
    try {
      return in.read();
    } catch (java.net.SocketException e) {
      return -1;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void configShowsTheTcpListenerBound() throws Exception {
    int port = freePort();
    proxy.apply(config(4, tcp("db", port, RouteConfig.direct(a.backend("db", 1)))));
    JsonNode l = AdminConfig.firstListener(proxy);
    assertThat(l.get("protocol").asText()).isEqualTo("tcp");
    assertThat(l.get("proxyPort").asInt()).isEqualTo(port);
    assertThat(l.get("bound").asBoolean()).isTrue();

    // Removing it unbinds the port.
    proxy.apply(config(5));
    try (Socket s = new Socket()) {
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> s.connect(new InetSocketAddress("127.0.0.1", port), 2_000))
          .isInstanceOf(IOException.class);
    }
  }
}
