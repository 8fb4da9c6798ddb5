package io.nodemesh.proxy.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.Protocol;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.proxy.NodeProxy;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A UDP flood from one source through a UDP listener: the proxy may drop datagrams but never
 * multiplies them. Nothing reaches the backend that the client did not send, nothing comes back to
 * the client that the backend did not send, and another client is still answered.
 */
class UdpFloodIT {
  static final int FLOOD = 20_000;

  DatagramSocket echo;
  final AtomicLong echoed = new AtomicLong();
  final AtomicLong echoedBytes = new AtomicLong();
  NodeProxy proxy;
  int port;

  @BeforeEach
  void start() throws Exception {
    echo = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
    Thread.ofPlatform()
        .daemon()
        .start(
            () -> {
              byte[] buf = new byte[65536];
              while (!echo.isClosed()) {
                try {
                  DatagramPacket p = new DatagramPacket(buf, buf.length);
                  echo.receive(p);
                  echoed.incrementAndGet();
                  echoedBytes.addAndGet(p.getLength());
                  echo.send(new DatagramPacket(buf, p.getLength(), p.getSocketAddress()));
                } catch (java.io.IOException e) {
                  return;
                }
              }
            });
    proxy = Mesh.proxy();
    port = Ports.free();
    BackendConfig dns =
        new BackendConfig(
            "dns", 1, List.of(EndpointConfig.ready("127.0.0.1", echo.getLocalPort())));
    proxy.apply(
        Mesh.config(
            1,
            new ListenerConfig("default", "dns", 53, Protocol.UDP, port, RouteConfig.direct(dns))));
  }

  @AfterEach
  void stop() {
    proxy.close();
    echo.close();
  }

  @Test
  void aFloodFromOneSourceIsNeverAmplified() throws Exception {
    try (DatagramSocket flooder = new DatagramSocket();
        DatagramSocket other = new DatagramSocket()) {
      InetSocketAddress target = new InetSocketAddress("127.0.0.1", port);
      // The listener is bound once a datagram gets an answer.
      other.setSoTimeout(200);
      byte[] hello = "hello".getBytes(StandardCharsets.US_ASCII);
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(10))
          .ignoreExceptions()
          .until(
              () -> {
                other.send(new DatagramPacket(hello, hello.length, target));
                DatagramPacket r = new DatagramPacket(new byte[64], 64);
                other.receive(r);
                return true;
              });
      long echoedBefore = echoed.get();

      byte[] payload = new byte[512];
      long sent = 0;
      for (int i = 0; i < FLOOD; i++) {
        flooder.send(new DatagramPacket(payload, payload.length, target));
        sent++;
      }
      // Whatever comes back, until the proxy has been quiet for a while.
      flooder.setSoTimeout(1000);
      long back = 0;
      long backBytes = 0;
      DatagramPacket r = new DatagramPacket(new byte[65536], 65536);
      try {
        while (true) {
          flooder.receive(r);
          back++;
          backBytes += r.getLength();
        }
      } catch (SocketTimeoutException e) {
        // quiet: the flood is over
      }
      long reachedBackend = echoed.get() - echoedBefore;
      Load.record(
          String.format(
              "[reliability] udp-flood: sent %d datagrams (%d bytes) from one source; backend got"
                  + " %d; %d datagrams (%d bytes) came back",
              sent, sent * payload.length, reachedBackend, back, backBytes));
      assertThat(reachedBackend).isLessThanOrEqualTo(sent);
      assertThat(back).isLessThanOrEqualTo(reachedBackend);
      assertThat(backBytes).isLessThanOrEqualTo(sent * payload.length);

      // Another client is still served.
      other.setSoTimeout(5000);
      other.send(new DatagramPacket(hello, hello.length, target));
      DatagramPacket answer = new DatagramPacket(new byte[64], 64);
      other.receive(answer);
      assertThat(new String(answer.getData(), 0, answer.getLength(), StandardCharsets.US_ASCII))
          .isEqualTo("hello");
    }
  }
}
