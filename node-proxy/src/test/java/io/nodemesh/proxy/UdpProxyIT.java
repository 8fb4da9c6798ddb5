package io.nodemesh.proxy;

import static io.nodemesh.proxy.Configs.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.Protocol;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.testkit.Closing;
import io.nodemesh.testkit.UdpEchoBackend;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** UDP listeners end to end over loopback: relay, sessions, split by weight, idle, no endpoint. */
class UdpProxyIT {
  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

  @RegisterExtension private final UdpEchoBackend a = UdpEchoBackend.start("a");
  @RegisterExtension private final UdpEchoBackend b = UdpEchoBackend.start("b");
  @RegisterExtension private final Closing closing = new Closing();
  private final NodeProxy proxy = closing.add(Configs.udpIdleProxy());

  private static ListenerConfig udp(String svc, int proxyPort, RouteConfig route) {
    return new ListenerConfig("shop", svc, 53, Protocol.UDP, proxyPort, route);
  }

  static int freeUdpPort() {
    try (DatagramSocket s = new DatagramSocket(0, LOOPBACK)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static DatagramSocket client() throws IOException {
    DatagramSocket s = new DatagramSocket(0, LOOPBACK);
    s.setSoTimeout(5_000);
    return s;
  }

  private static void send(DatagramSocket s, int port, byte[] data) throws IOException {
    s.send(new DatagramPacket(data, data.length, new InetSocketAddress(LOOPBACK, port)));
  }

  private static void send(DatagramSocket s, int port, String text) throws IOException {
    send(s, port, text.getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] receive(DatagramSocket s) throws IOException {
    DatagramPacket p = new DatagramPacket(new byte[70_000], 70_000);
    s.receive(p);
    return Arrays.copyOfRange(p.getData(), p.getOffset(), p.getOffset() + p.getLength());
  }

  private static String receiveText(DatagramSocket s) throws IOException {
    return new String(receive(s), StandardCharsets.UTF_8);
  }

  private static void assertNothingArrives(DatagramSocket s, int millis) throws IOException {
    s.setSoTimeout(millis);
    try {
      assertThatThrownBy(() -> receive(s)).isInstanceOf(SocketTimeoutException.class);
    } finally {
      s.setSoTimeout(5_000);
    }
  }

  @Test
  void requestAndReplyAreRelayedExactlyOneForOne() throws Exception {
    int port = freeUdpPort();
    proxy.apply(config(1, udp("dns", port, RouteConfig.direct(a.backend("dns", 1)))));
    byte[] big = new byte[8_000];
    new Random(7).nextBytes(big);
    try (DatagramSocket c = client()) {
      send(c, port, "hello");
      assertThat(receiveText(c)).isEqualTo("a:hello");
      send(c, port, big);
      byte[] reply = receive(c);
      assertThat(Arrays.copyOfRange(reply, 0, 2)).isEqualTo("a:".getBytes(StandardCharsets.UTF_8));
      assertThat(Arrays.copyOfRange(reply, 2, reply.length)).isEqualTo(big);
      // One datagram in, one out, each way.
      assertNothingArrives(c, 150);
      assertThat(a.received.get()).isEqualTo(2);
      assertThat(Set.copyOf(a.sourcePorts)).hasSize(1);
    }
  }

  @Test
  void twoClientsGetSeparateSessionsAndTheirOwnReplies() throws Exception {
    int port = freeUdpPort();
    proxy.apply(config(1, udp("dns", port, RouteConfig.direct(a.backend("dns", 1)))));
    try (DatagramSocket c1 = client();
        DatagramSocket c2 = client()) {
      for (int i = 0; i < 3; i++) {
        send(c1, port, "one-" + i);
        send(c2, port, "two-" + i);
        assertThat(receiveText(c2)).isEqualTo("a:two-" + i);
        assertThat(receiveText(c1)).isEqualTo("a:one-" + i);
      }
      assertThat(a.received.get()).isEqualTo(6);
      // Each client has its own upstream socket, kept for its whole session.
      assertThat(Set.copyOf(a.sourcePorts)).hasSize(2);
    }
  }

  @Test
  void clientSessionsAreSplitByWeightExactlyAndStick() throws Exception {
    int port = freeUdpPort();
    BackendConfig dnsB = b.backend("dns-b", 1);
    RouteConfig split =
        Configs.splitNamed("shop/dns-split", a.backend("dns", 1), a.backend("dns-a", 3), dnsB);
    proxy.apply(config(1, udp("dns", port, split)));
    Map<String, Integer> seen = new HashMap<>();
    List<DatagramSocket> clients = new ArrayList<>();
    try {
      for (int i = 0; i < 20; i++) {
        DatagramSocket c = client();
        clients.add(c);
        send(c, port, "q" + i);
        String reply = receiveText(c);
        assertThat(reply).endsWith(":q" + i);
        String name = reply.substring(0, reply.indexOf(':'));
        seen.merge(name, 1, Integer::sum);
        // A second datagram of the same client stays on its session's backend.
        send(c, port, "again" + i);
        assertThat(receiveText(c)).isEqualTo(name + ":again" + i);
      }
    } finally {
      clients.forEach(DatagramSocket::close);
    }
    assertThat(seen).isEqualTo(Map.of("a", 15, "b", 5));
    assertThat(Set.copyOf(a.sourcePorts)).hasSize(15);
    assertThat(Set.copyOf(b.sourcePorts)).hasSize(5);
  }

  @Test
  void anIdleSessionExpiresAndTheNextDatagramOpensANewOne() throws Exception {
    int port = freeUdpPort();
    proxy.apply(config(1, udp("dns", port, RouteConfig.direct(a.backend("dns", 1)))));
    try (DatagramSocket c = client()) {
      send(c, port, "first");
      assertThat(receiveText(c)).isEqualTo("a:first");
      send(c, port, "second");
      assertThat(receiveText(c)).isEqualTo("a:second");
      assertThat(Set.copyOf(a.sourcePorts)).hasSize(1);
      int before = a.sourcePorts.get(0);

      Thread.sleep(700);
      send(c, port, "third");
      assertThat(receiveText(c)).isEqualTo("a:third");
      // The old upstream socket was closed; a new session has a new ephemeral port.
      assertThat(a.sourcePorts.get(2)).isNotEqualTo(before);
    }
  }

  @Test
  void noReadyEndpointDropsTheDatagramAndTheProxyKeepsWorking() throws Exception {
    int none = freeUdpPort();
    int ok = freeUdpPort();
    proxy.apply(
        config(
            1,
            udp("none", none, RouteConfig.direct(new BackendConfig("none", 1, List.of()))),
            udp("ok", ok, RouteConfig.direct(a.backend("ok", 1)))));
    try (DatagramSocket c = client()) {
      send(c, none, "lost");
      assertNothingArrives(c, 300);
      send(c, ok, "hi");
      assertThat(receiveText(c)).isEqualTo("a:hi");

      // Once the service has an endpoint, the same client gets through.
      proxy.apply(
          config(
              2,
              udp("none", none, RouteConfig.direct(b.backend("none", 1))),
              udp("ok", ok, RouteConfig.direct(a.backend("ok", 1)))));
      send(c, none, "found");
      assertThat(receiveText(c)).isEqualTo("b:found");
    }
  }

  @Test
  void configShowsTheUdpListenerBoundAndRemovingItUnbinds() throws Exception {
    int port = freeUdpPort();
    proxy.apply(config(4, udp("dns", port, RouteConfig.direct(a.backend("dns", 1)))));
    JsonNode l = AdminConfig.firstListener(proxy);
    assertThat(l.get("protocol").asText()).isEqualTo("udp");
    assertThat(l.get("proxyPort").asInt()).isEqualTo(port);
    assertThat(l.get("bound").asBoolean()).isTrue();
    try (DatagramSocket c = client()) {
      send(c, port, "x");
      assertThat(receiveText(c)).isEqualTo("a:x");
    }

    // Removing it closes the channel (and its sessions): the port can be bound again.
    proxy.apply(config(5));
    try (DatagramSocket s = new DatagramSocket(port, LOOPBACK)) {
      assertThat(s.getLocalPort()).isEqualTo(port);
    }
  }
}
