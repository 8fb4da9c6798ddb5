package io.nodemesh.proxy;

import static io.nodemesh.proxy.Configs.config;
import static io.nodemesh.proxy.Configs.freePort;
import static org.assertj.core.api.Assertions.assertThat;

import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.Protocol;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.testkit.HttpBackend;
import io.nodemesh.testkit.TcpEchoBackend;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An {@code auto} listener chooses per connection from the first bytes (docs/protocols.md):
 * HTTP/1.1 and h2c reach the HTTP pipeline; a TLS-looking payload and a server-first protocol are
 * relayed.
 */
class AutoProtocolIT {
  @RegisterExtension private final HttpBackend web = HttpBackend.start("v1");
  @RegisterExtension private final TcpEchoBackend echo = TcpEchoBackend.start("echo");
  @RegisterExtension private final LocalProxy local = LocalProxy.start();

  private int auto(String svc, BackendConfig backend) {
    int port = freePort();
    local.proxy.apply(
        config(
            1,
            new ListenerConfig(
                "default", svc, 80, Protocol.AUTO, port, RouteConfig.direct(backend))));
    return port;
  }

  private static Socket connect(int port) {
    return LocalProxy.connect("127.0.0.1", port);
  }

  @Test
  void anHttp11RequestIsServedByTheHttpPipeline() throws Exception {
    int port = auto("web", web.backend("web"));
    try (Socket s = connect(port)) {
      s.getOutputStream()
          .write(
              "GET /hello HTTP/1.1\r\nHost: web.default.mesh\r\nConnection: close\r\n\r\n"
                  .getBytes(StandardCharsets.US_ASCII));
      String reply = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
      assertThat(reply).startsWith("HTTP/1.1 200").endsWith("v1");
    }
    assertThat(web.lastUri).isEqualTo("/hello");
    // Only the HTTP pipeline adds it; a byte relay would pass the request unchanged.
    assertThat(web.lastHeaders.getFirst("X-Forwarded-For")).isEqualTo("127.0.0.1");
  }

  @Test
  void anH2cPriorKnowledgeRequestIsServedByTheHttpPipeline() throws Exception {
    // The backend speaks HTTP/1.1 only: an answer proves the proxy translated, not relayed. The
    // request is written at once, as a gRPC client does, so no detection timeout can intervene.
    int port = auto("web", web.backend("web"));
    ByteArrayOutputStream req = new ByteArrayOutputStream();
    req.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    frame(req, 0x4, 0, 0, new byte[0]); // SETTINGS, empty (RFC 9113 §6.5)
    ByteArrayOutputStream block = new ByteArrayOutputStream();
    // HPACK (RFC 7541 App. A): :method GET, :path /, :scheme http, then :authority as a literal.
    block.write(new byte[] {(byte) 0x82, (byte) 0x84, (byte) 0x86, 0x41, 16});
    block.write("web.default.mesh".getBytes(StandardCharsets.US_ASCII));
    frame(req, 0x1, 0x5, 1, block.toByteArray()); // HEADERS, END_STREAM | END_HEADERS
    try (Socket s = connect(port)) {
      s.getOutputStream().write(req.toByteArray());
      s.getOutputStream().flush();
      DataInputStream in = new DataInputStream(s.getInputStream());
      StringBuilder body = new StringBuilder();
      boolean headers = false;
      while (true) {
        int length = in.readUnsignedShort() << 8 | in.readUnsignedByte();
        int type = in.readUnsignedByte();
        int flags = in.readUnsignedByte();
        int stream = in.readInt() & 0x7fffffff;
        byte[] payload = in.readNBytes(length);
        if (stream != 1) {
          continue;
        }
        if (type == 0x1) {
          // :status 200 is entry 8 of the static table.
          assertThat(payload[0] & 0xff).isEqualTo(0x88);
          headers = true;
        } else if (type == 0x0) {
          body.append(new String(payload, StandardCharsets.US_ASCII));
        } else if (type == 0x3) {
          throw new AssertionError("stream reset");
        }
        if ((flags & 0x1) != 0) {
          break;
        }
      }
      assertThat(headers).isTrue();
      assertThat(body.toString()).isEqualTo("v1");
    }
    assertThat(web.lastUri).isEqualTo("/");
  }

  private static void frame(ByteArrayOutputStream out, int type, int flags, int stream, byte[] p)
      throws IOException {
    DataOutputStream d = new DataOutputStream(out);
    d.writeByte(p.length >>> 16);
    d.writeShort(p.length & 0xffff);
    d.writeByte(type);
    d.writeByte(flags);
    d.writeInt(stream);
    d.write(p);
    d.flush();
  }

  @Test
  void aTlsClientHelloIsRelayedByteForByte() throws Exception {
    int port = auto("tls", echo.backend("tls", 1));
    byte[] payload = new byte[64 * 1024];
    new Random(7).nextBytes(payload);
    // A TLS record header: handshake (0x16), version 3.1, then a ClientHello (RFC 8446 §5.1).
    payload[0] = 0x16;
    payload[1] = 0x03;
    payload[2] = 0x01;
    payload[5] = 0x01;
    try (Socket s = connect(port)) {
      OutputStream out = s.getOutputStream();
      out.write(payload);
      out.flush();
      s.shutdownOutput();
      ByteArrayOutputStream expected = new ByteArrayOutputStream();
      expected.write(payload);
      expected.write(TcpEchoBackend.trailer("echo", payload.length));
      // Byte for byte, then the echo server's trailer: nothing added, nothing lost.
      assertThat(s.getInputStream().readAllBytes()).isEqualTo(expected.toByteArray());
    }
  }

  @Test
  void aServerFirstProtocolIsRelayedAfterTheTimeout() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread banner =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try (Socket c = server.accept()) {
                      // SMTP style: the server greets first (RFC 5321 §4.2), then answers QUIT.
                      OutputStream out = c.getOutputStream();
                      out.write("220 hello\r\n".getBytes(StandardCharsets.US_ASCII));
                      out.flush();
                      InputStream in = c.getInputStream();
                      byte[] quit = in.readNBytes(6);
                      if (Arrays.equals(quit, "QUIT\r\n".getBytes(StandardCharsets.US_ASCII))) {
                        out.write("221 bye\r\n".getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                      }
                    } catch (IOException e) {
                      // The test's assertions report it.
                    }
                  });
      BackendConfig smtp =
          new BackendConfig(
              "smtp", 1, List.of(EndpointConfig.ready("127.0.0.1", server.getLocalPort())));
      int port = auto("smtp", smtp);
      try (Socket s = connect(port)) {
        InputStream in = s.getInputStream();
        assertThat(new String(in.readNBytes(11), StandardCharsets.US_ASCII))
            .isEqualTo("220 hello\r\n");
        s.getOutputStream().write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        assertThat(new String(in.readNBytes(9), StandardCharsets.US_ASCII))
            .isEqualTo("221 bye\r\n");
      }
      banner.join(10_000);
    }
  }
}
