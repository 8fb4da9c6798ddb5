package io.nodemesh.proxy;

import static io.nodemesh.proxy.Configs.config;
import static io.nodemesh.proxy.Configs.connect;
import static io.nodemesh.proxy.Configs.freePort;
import static io.nodemesh.proxy.Configs.local;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.config.ServicePolicy;
import io.nodemesh.proxy.limits.LimitSettings;
import io.nodemesh.proxy.limits.RejectReason;
import io.nodemesh.proxy.udp.UdpSettings;
import io.nodemesh.proxy.upstream.HttpProxySettings;
import io.nodemesh.testkit.Closing;
import io.nodemesh.testkit.MeshConfigs;
import io.nodemesh.testkit.TcpEchoBackend;
import io.nodemesh.testkit.UdpEchoBackend;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 13, one client against everyone: a TCP listener caps its open connections, a UDP listener
 * caps the sessions of one client IP, and a Service cannot keep idle UDP sessions for a day.
 */
class ConnectionCapsIT {
  private NodeProxy proxy;
  private TcpEchoBackend tcpEcho;
  private UdpEchoBackend udpEcho;

  @RegisterExtension final Closing closing = new Closing();

  private static String echoed(Socket s, String text) throws IOException {
    s.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
    s.getOutputStream().flush();
    return new String(s.getInputStream().readNBytes(text.length()), StandardCharsets.US_ASCII);
  }

  private ListenerConfig tcp(int port, int maxConnections) {
    return MeshConfigs.Listener.DB.on(
        port,
        RouteConfig.direct(tcpEcho.backend("db", 1)),
        ServicePolicy.defaults()
            .withConnections(
                new ServicePolicy.Connections(
                    ServicePolicy.Connections.DEFAULT_UPGRADES, maxConnections)));
  }

  /** {@code shop/db} capped at {@code maxConnections}, on a proxy with {@code limits}; its port. */
  private int tcpProxy(LimitSettings limits, int maxConnections) throws IOException {
    tcpEcho = closing.add(new TcpEchoBackend("a"));
    proxy = closing.add(NodeProxy.start(local(), HttpProxySettings.defaults(), limits));
    int port = freePort();
    proxy.apply(config(1, tcp(port, maxConnections)));
    return port;
  }

  /** {@code shop/dns} with this idle timeout, on a proxy with {@code udp} settings; its port. */
  private int udpProxy(UdpSettings udp, long idleMillis) throws IOException {
    udpEcho = closing.add(new UdpEchoBackend("a"));
    proxy =
        closing.add(
            NodeProxy.start(local(), HttpProxySettings.defaults(), udp, NodeProxy.POLL_WAIT));
    int port = UdpProxyIT.freeUdpPort();
    proxy.apply(config(1, udp(port, idleMillis)));
    return port;
  }

  private long refusedConnections() {
    return proxy.limits().rejections().total(RejectReason.CONNECTION_LIMIT);
  }

  @Test
  void aTcpListenerClosesConnectionsOverTheServicesCap() throws Exception {
    int port = tcpProxy(LimitSettings.defaults(), 3);
    List<Socket> open = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        Socket s = connect(port);
        open.add(s);
        assertThat(echoed(s, "c" + i)).isEqualTo("c" + i);
      }
      try (Socket fourth = connect(port)) {
        // Closed before anything was read or dialled.
        assertThat(fourth.getInputStream().read()).isEqualTo(-1);
      }
      assertThat(refusedConnections()).isEqualTo(1);
      assertThat(tcpEcho.accepted.get()).isEqualTo(3);
      assertThat(Scrape.of(proxy).series())
          .containsEntry("nodemesh_rejected_requests_total{reason=\"connection_limit\"}", 1.0);
      // A slot freed is a slot for the next client.
      open.remove(0).close();
      await().atMost(Duration.ofSeconds(10)).until(() -> proxy.tcpConnectionCap().open(port) == 2);
      try (Socket again = connect(port)) {
        assertThat(echoed(again, "again")).isEqualTo("again");
      }
    } finally {
      for (Socket s : open) {
        s.close();
      }
    }
  }

  @Test
  void theProxysCapAppliesToTcpListenersAndAServiceCannotRaiseIt() throws Exception {
    int port = tcpProxy(LimitSettings.defaults().withMaxConnectionsPerListener(2), 1000);
    try (Socket a = connect(port);
        Socket b = connect(port)) {
      assertThat(echoed(a, "a")).isEqualTo("a");
      assertThat(echoed(b, "b")).isEqualTo("b");
      try (Socket c = connect(port)) {
        assertThat(c.getInputStream().read()).isEqualTo(-1);
      }
    }
    assertThat(refusedConnections()).isEqualTo(1);
  }

  private static void send(DatagramSocket s, int port, String text) throws IOException {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    InetSocketAddress to = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    s.send(new DatagramPacket(b, b.length, to));
  }

  private static String receive(DatagramSocket s) throws IOException {
    DatagramPacket p = new DatagramPacket(new byte[1500], 1500);
    s.receive(p);
    return new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
  }

  private static DatagramSocket client(String ip) throws IOException {
    DatagramSocket s = new DatagramSocket(0, InetAddress.getByName(ip));
    s.setSoTimeout(5_000);
    return s;
  }

  private ListenerConfig udp(int port, long idleMillis) {
    return MeshConfigs.Listener.DNS.on(
        port,
        RouteConfig.direct(udpEcho.backend("dns", 1)),
        new ServicePolicy(
            null, null, new ServicePolicy.Timeouts(0, 0, idleMillis), null, null, null, null));
  }

  @Test
  void oneClientIpCannotOpenMoreThanItsShareOfUdpSessions() throws Exception {
    int port = udpProxy(UdpSettings.defaults().withMaxSessionsPerSource(4), 0);
    List<DatagramSocket> sockets = new ArrayList<>();
    try {
      // Each source port is a session; the fifth from the same IP gets none.
      for (int i = 0; i < 6; i++) {
        DatagramSocket c = client("127.0.0.1");
        sockets.add(c);
        send(c, port, "m" + i);
        if (i < 4) {
          assertThat(receive(c)).isEqualTo("a:m" + i);
        } else {
          c.setSoTimeout(300);
          assertThatThrownBy(() -> receive(c)).isInstanceOf(SocketTimeoutException.class);
        }
      }
      assertThat(udpEcho.received.get()).isEqualTo(4);
      // Another client is not held back by the first one.
      try (DatagramSocket other = client("127.0.0.2")) {
        send(other, port, "other");
        assertThat(receive(other)).isEqualTo("a:other");
      }
    } finally {
      sockets.forEach(DatagramSocket::close);
    }
  }

  @Test
  void aServiceIdleTimeoutOfADayIsCutToTheProxysBound() throws Exception {
    int port =
        udpProxy(
            UdpSettings.defaults().withMaxServiceIdleTimeout(Duration.ofMillis(300)),
            Duration.ofHours(24).toMillis());
    try (DatagramSocket c = client("127.0.0.1")) {
      send(c, port, "hello");
      assertThat(receive(c)).isEqualTo("a:hello");
      assertThat(openUdpSessions()).isEqualTo(1.0);
      // The Service asked for a day; the session ends after the bound.
      await().atMost(Duration.ofSeconds(10)).until(() -> openUdpSessions() == 0.0);
    }
  }

  private double openUdpSessions() {
    return Scrape.of(proxy).series().entrySet().stream()
        .filter(e -> e.getKey().startsWith("nodemesh_udp_sessions_open{"))
        .mapToDouble(Map.Entry::getValue)
        .sum();
  }
}
