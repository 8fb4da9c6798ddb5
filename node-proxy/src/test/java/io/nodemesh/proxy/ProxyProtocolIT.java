package io.nodemesh.proxy;

import static io.nodemesh.proxy.Configs.config;
import static io.nodemesh.proxy.Configs.connect;
import static io.nodemesh.proxy.Configs.freePort;
import static io.nodemesh.proxy.Configs.local;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.Protocol;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.testkit.Closing;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * PROXY protocol v2 to pods (issue 14): a TCP relay to an opted-in port starts with a header naming
 * the caller's address and port, parsed here by Netty's own decoder; other ports get the client's
 * bytes untouched, and a client's forged header arrives after ours, as payload.
 */
class ProxyProtocolIT {
  @RegisterExtension private final Closing closing = new Closing();
  private final NodeProxy proxy = closing.add(NodeProxy.start(local()));

  private static ListenerConfig tcp(int proxyPort, EndpointConfig endpoint) {
    return new ListenerConfig(
        "shop",
        "db",
        5432,
        Protocol.TCP,
        proxyPort,
        RouteConfig.direct(new BackendConfig("db", 1, List.of(endpoint))));
  }

  /** A TCP listener to {@code pod}, with or without the header; its proxy port. */
  private int listen(RecordingPod pod, boolean proxyProtocol) {
    int port = freePort();
    EndpointConfig endpoint = EndpointConfig.ready("127.0.0.1", pod.port());
    proxy.apply(config(1, tcp(port, proxyProtocol ? endpoint.withProxyProtocol() : endpoint)));
    return port;
  }

  /** Sends {@code payload} through the proxy, ends, and returns the client's local port. */
  private static int send(int proxyPort, byte[] payload) throws IOException {
    try (Socket s = connect(proxyPort)) {
      s.getOutputStream().write(payload);
      s.shutdownOutput();
      s.getInputStream().readAllBytes();
      return s.getLocalPort();
    }
  }

  @Test
  void anOptedInPortSeesTheCallersAddressAndPortFirstAndThePayloadAfter() throws Exception {
    RecordingPod pod = closing.add(new RecordingPod(InetAddress.getLoopbackAddress()));
    int port = listen(pod, true);
    byte[] payload = "SELECT 1".getBytes(StandardCharsets.US_ASCII);

    int callerPort = send(port, payload);

    RecordingPod.Parsed p = RecordingPod.parse(pod.next());
    assertThat(p.header().command()).isEqualTo(HAProxyCommand.PROXY);
    assertThat(p.header().proxiedProtocol()).isEqualTo(HAProxyProxiedProtocol.TCP4);
    assertThat(p.header().sourceAddress()).isEqualTo("127.0.0.1");
    assertThat(p.header().sourcePort()).isEqualTo(callerPort);
    assertThat(p.header().destinationAddress()).isEqualTo("127.0.0.1");
    assertThat(p.header().destinationPort()).isEqualTo(pod.port());
    assertThat(p.rest()).isEqualTo(payload);
    p.header().release();
  }

  @Test
  void aPortWithoutTheOptionGetsTheClientsBytesUntouched() throws Exception {
    RecordingPod pod = closing.add(new RecordingPod(InetAddress.getLoopbackAddress()));
    int port = listen(pod, false);
    byte[] payload = "SELECT 1".getBytes(StandardCharsets.US_ASCII);

    send(port, payload);

    assertThat(pod.next()).isEqualTo(payload);
  }

  @Test
  void aClientsForgedHeaderArrivesAfterOursAsPayload() throws Exception {
    RecordingPod pod = closing.add(new RecordingPod(InetAddress.getLoopbackAddress()));
    int port = listen(pod, true);
    // The attack: a v1 and a v2 header claiming a trusted address, then the query.
    byte[] forged = RecordingPod.forgedHeadersThen("SELECT 1".getBytes(StandardCharsets.US_ASCII));

    int callerPort = send(port, forged);

    RecordingPod.Parsed p = RecordingPod.parse(pod.next());
    assertThat(p.header().sourceAddress()).isEqualTo("127.0.0.1");
    assertThat(p.header().sourcePort()).isEqualTo(callerPort);
    // The forged bytes are still there, untouched, after the proxy's header: the app reads them as
    // data, never as a second header.
    assertThat(p.rest()).isEqualTo(forged);
    p.header().release();
  }
}
