package io.nodemesh.proxy;

import static io.nodemesh.proxy.Configs.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nodemesh.config.RouteConfig;
import io.nodemesh.config.ServicePolicy;
import io.nodemesh.testkit.MeshConfigs;
import io.nodemesh.testkit.UdpEchoBackend;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Per-Service idle timeout and session rate limit of UDP listeners. */
class UdpResilienceIT {
  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

  @RegisterExtension private final UdpEchoBackend a = UdpEchoBackend.start("a");
  private NodeProxy proxy;
  private int port;

  @BeforeEach
  void start() throws Exception {
    // The proxy-wide session idle timeout is short; a Service may set its own.
    proxy = Configs.udpIdleProxy();
    port = UdpProxyIT.freeUdpPort();
  }

  @AfterEach
  void stop() {
    proxy.close();
  }

  void apply(ServicePolicy policy) {
    proxy.apply(
        config(
            1, MeshConfigs.Listener.DNS.on(port, RouteConfig.direct(a.backend("dns", 1)), policy)));
  }

  static ServicePolicy policy(ServicePolicy.Timeouts t, ServicePolicy.RateLimit r) {
    return new ServicePolicy(null, null, t, null, null, null, r);
  }

  static DatagramSocket client() throws Exception {
    DatagramSocket s = new DatagramSocket(0, LOOPBACK);
    s.setSoTimeout(3_000);
    return s;
  }

  String roundTrip(DatagramSocket s, String text) throws Exception {
    byte[] data = text.getBytes(StandardCharsets.UTF_8);
    s.send(new DatagramPacket(data, data.length, new InetSocketAddress(LOOPBACK, port)));
    DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
    s.receive(p);
    return new String(p.getData(), p.getOffset(), p.getLength(), StandardCharsets.UTF_8);
  }

  @Test
  void theServiceIdleTimeoutKeepsASessionThroughAGapTheProxyDefaultWouldEnd() throws Exception {
    apply(policy(new ServicePolicy.Timeouts(0, 0, 5_000), null));
    try (DatagramSocket c = client()) {
      assertThat(roundTrip(c, "one")).isEqualTo("a:one");
      // Longer than the proxy's 200 ms, far shorter than the Service's 5 s.
      org.awaitility.Awaitility.await().pollDelay(Duration.ofMillis(600)).until(() -> true);
      assertThat(roundTrip(c, "two")).isEqualTo("a:two");
    }
    assertThat(Set.copyOf(a.sourcePorts)).as("one upstream socket, one session").hasSize(1);
  }

  @Test
  void theRateLimitCountsNewSessions() throws Exception {
    apply(
        policy(
            new ServicePolicy.Timeouts(0, 0, 5_000), new ServicePolicy.RateLimit(0.01, 1, false)));
    try (DatagramSocket first = client();
        DatagramSocket second = client()) {
      assertThat(roundTrip(first, "in")).isEqualTo("a:in");
      second.setSoTimeout(300);
      assertThatThrownBy(() -> roundTrip(second, "out")).isInstanceOf(SocketTimeoutException.class);
      // The admitted session goes on.
      assertThat(roundTrip(first, "again")).isEqualTo("a:again");
    }
  }
}
