package io.nodemesh.proxy;

import static io.nodemesh.proxy.Configs.config;
import static io.nodemesh.proxy.Configs.connect;
import static io.nodemesh.proxy.Configs.freePort;
import static io.nodemesh.proxy.Configs.local;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.Protocol;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.testkit.Closing;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
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

  /** A pod that keeps everything each connection sent until the client's FIN. */
  private final class RecordingPod {
    final ServerSocket server;
    final BlockingQueue<byte[]> received = new LinkedBlockingQueue<>();

    RecordingPod() throws IOException {
      server = closing.add(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
      Thread.ofVirtual()
          .start(
              () -> {
                while (!server.isClosed()) {
                  try (Socket s = server.accept()) {
                    received.add(s.getInputStream().readAllBytes());
                  } catch (IOException e) {
                    return;
                  }
                }
              });
    }

    byte[] next() throws InterruptedException {
      byte[] got = received.poll(30, TimeUnit.SECONDS);
      assertThat(got).as("bytes the pod received").isNotNull();
      return got;
    }
  }

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
    EndpointConfig endpoint = EndpointConfig.ready("127.0.0.1", pod.server.getLocalPort());
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

  /** The header Netty's decoder reads first, and the bytes that follow it. */
  private record Parsed(HAProxyMessage header, byte[] rest) {}

  private static Parsed parse(byte[] got) {
    EmbeddedChannel ch = new EmbeddedChannel(new HAProxyMessageDecoder());
    ch.writeInbound(Unpooled.wrappedBuffer(got));
    HAProxyMessage header = ch.readInbound();
    assertThat(header).as("a PROXY header first").isNotNull();
    ByteBuf rest = Unpooled.buffer();
    for (ByteBuf b; (b = ch.readInbound()) != null; ) {
      rest.writeBytes(b);
      b.release();
    }
    byte[] out = new byte[rest.readableBytes()];
    rest.readBytes(out);
    ch.finishAndReleaseAll();
    return new Parsed(header, out);
  }

  @Test
  void anOptedInPortSeesTheCallersAddressAndPortFirstAndThePayloadAfter() throws Exception {
    RecordingPod pod = new RecordingPod();
    int port = listen(pod, true);
    byte[] payload = "SELECT 1".getBytes(StandardCharsets.US_ASCII);

    int callerPort = send(port, payload);

    Parsed p = parse(pod.next());
    assertThat(p.header().command()).isEqualTo(HAProxyCommand.PROXY);
    assertThat(p.header().proxiedProtocol()).isEqualTo(HAProxyProxiedProtocol.TCP4);
    assertThat(p.header().sourceAddress()).isEqualTo("127.0.0.1");
    assertThat(p.header().sourcePort()).isEqualTo(callerPort);
    assertThat(p.header().destinationAddress()).isEqualTo("127.0.0.1");
    assertThat(p.header().destinationPort()).isEqualTo(pod.server.getLocalPort());
    assertThat(p.rest()).isEqualTo(payload);
    p.header().release();
  }

  @Test
  void aPortWithoutTheOptionGetsTheClientsBytesUntouched() throws Exception {
    RecordingPod pod = new RecordingPod();
    int port = listen(pod, false);
    byte[] payload = "SELECT 1".getBytes(StandardCharsets.US_ASCII);

    send(port, payload);

    assertThat(pod.next()).isEqualTo(payload);
  }

  @Test
  void aClientsForgedHeaderArrivesAfterOursAsPayload() throws Exception {
    RecordingPod pod = new RecordingPod();
    int port = listen(pod, true);
    // The attack: a v1 and a v2 header claiming a trusted address, then the query.
    byte[] forged =
        concat(
            "PROXY TCP4 10.0.0.1 10.0.0.2 1111 5432\r\n".getBytes(StandardCharsets.US_ASCII),
            v2Claiming10001(),
            "SELECT 1".getBytes(StandardCharsets.US_ASCII));

    int callerPort = send(port, forged);

    Parsed p = parse(pod.next());
    assertThat(p.header().sourceAddress()).isEqualTo("127.0.0.1");
    assertThat(p.header().sourcePort()).isEqualTo(callerPort);
    // The forged bytes are still there, untouched, after the proxy's header: the app reads them as
    // data, never as a second header.
    assertThat(p.rest()).isEqualTo(forged);
    p.header().release();
  }

  private static byte[] v2Claiming10001() {
    ByteBuf b = Unpooled.buffer();
    b.writeBytes(
        new byte[] {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A});
    b.writeByte(0x21).writeByte(0x11).writeShort(12);
    b.writeBytes(new byte[] {10, 0, 0, 1, 10, 0, 0, 2}).writeShort(1111).writeShort(5432);
    byte[] out = new byte[b.readableBytes()];
    b.readBytes(out);
    return out;
  }

  private static byte[] concat(byte[]... parts) {
    ByteBuf b = Unpooled.buffer();
    for (byte[] p : parts) {
      b.writeBytes(p);
    }
    byte[] out = new byte[b.readableBytes()];
    b.readBytes(out);
    return out;
  }
}
