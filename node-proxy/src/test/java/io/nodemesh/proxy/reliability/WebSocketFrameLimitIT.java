package io.nodemesh.proxy.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.proxy.NodeProxy;
import io.nodemesh.proxy.limits.LimitSettings;
import io.nodemesh.proxy.limits.RejectReason;
import io.nodemesh.proxy.upstream.HttpProxySettings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A WebSocket client that sends a frame over the limit gets close code 1009 and a closed
 * connection, and not one byte of that frame reaches the backend; frames within the limit, in
 * pieces or whole, are relayed untouched.
 */
class WebSocketFrameLimitIT {
  static final int LIMIT = 64 * 1024;
  static final String UPGRADE =
      "GET /chat HTTP/1.1\r\nHost: chat.default.mesh\r\nConnection: Upgrade\r\n"
          + "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
          + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";

  ServerSocket backend;
  final AtomicLong relayed = new AtomicLong();
  NodeProxy proxy;
  int port;

  @BeforeEach
  void start() throws Exception {
    backend = new ServerSocket();
    backend.bind(new InetSocketAddress("127.0.0.1", 0));
    Thread.ofVirtual().start(this::acceptWebSockets);
    proxy =
        NodeProxy.start(
            Mesh.options(),
            HttpProxySettings.defaults(),
            LimitSettings.defaults().withMaxWebSocketFrame(LIMIT));
    port = Ports.free();
    BackendConfig chat =
        new BackendConfig(
            "chat", 1, List.of(EndpointConfig.ready("127.0.0.1", backend.getLocalPort())));
    proxy.apply(Mesh.config(1, Mesh.http("chat", port, RouteConfig.direct(chat))));
  }

  @AfterEach
  void stop() throws IOException {
    proxy.close();
    backend.close();
  }

  /** Answers the handshake (RFC 6455 §4.2.2), then echoes every byte it gets. */
  private void acceptWebSockets() {
    while (!backend.isClosed()) {
      try {
        Socket s = backend.accept();
        Thread.ofVirtual()
            .start(
                () -> {
                  try (s) {
                    InputStream in = s.getInputStream();
                    OutputStream out = s.getOutputStream();
                    String head = readHead(in);
                    String key =
                        head.lines()
                            .filter(l -> l.toLowerCase().startsWith("sec-websocket-key:"))
                            .findFirst()
                            .orElseThrow()
                            .substring(18)
                            .trim();
                    String accept =
                        Base64.getEncoder()
                            .encodeToString(
                                MessageDigest.getInstance("SHA-1")
                                    .digest(
                                        (key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
                                            .getBytes(StandardCharsets.US_ASCII)));
                    out.write(
                        ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                                + "Connection: Upgrade\r\nSec-WebSocket-Accept: "
                                + accept
                                + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    byte[] buf = new byte[8192];
                    int n;
                    while ((n = in.read(buf)) > 0) {
                      relayed.addAndGet(n);
                      out.write(buf, 0, n);
                      out.flush();
                    }
                  } catch (Exception e) {
                    // The proxy closed the tunnel.
                  }
                });
      } catch (IOException e) {
        return;
      }
    }
  }

  static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) >= 0) {
      head.write(b);
      String s = head.toString(StandardCharsets.ISO_8859_1);
      if (s.endsWith("\r\n\r\n")) {
        return s;
      }
    }
    throw new IOException("closed during the head");
  }

  /**
   * EOF or a reset: the proxy does not read what follows the refused frame header, so the kernel
   * may answer the rest with RST.
   */
  static boolean closed(InputStream in) throws IOException {
    try {
      return in.read() < 0;
    } catch (java.net.SocketException e) {
      return true;
    }
  }

  /** A masked client frame header (RFC 6455 §5.2) declaring {@code length} payload bytes. */
  static byte[] frameHeader(long length) {
    ByteArrayOutputStream h = new ByteArrayOutputStream();
    h.write(0x82); // FIN, binary
    if (length < 126) {
      h.write(0x80 | (int) length);
    } else if (length < 65536) {
      h.write(0x80 | 126);
      h.write((int) (length >>> 8));
      h.write((int) length);
    } else {
      h.write(0x80 | 127);
      for (int i = 7; i >= 0; i--) {
        h.write((int) (length >>> (8 * i)));
      }
    }
    h.writeBytes(new byte[] {1, 2, 3, 4}); // masking key
    return h.toByteArray();
  }

  @Test
  void framesWithinTheLimitPassAndALargerOneIsRefusedWith1009() throws Exception {
    long before = proxy.limits().rejections().total(RejectReason.WEBSOCKET_FRAME_TOO_LARGE);
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      InputStream in = s.getInputStream();
      out.write(UPGRADE.getBytes(StandardCharsets.US_ASCII));
      out.flush();
      assertThat(readHead(in)).startsWith("HTTP/1.1 101 ");

      // A frame exactly at the limit, written in two pieces with the header split too.
      byte[] ok = frameHeader(LIMIT);
      byte[] payload = new byte[LIMIT];
      out.write(ok, 0, 3);
      out.flush();
      out.write(ok, 3, ok.length - 3);
      out.write(payload);
      out.flush();
      byte[] echoed = in.readNBytes(ok.length + LIMIT);
      assertThat(echoed).hasSize(ok.length + LIMIT);

      long relayedBefore = relayed.get();
      out.write(frameHeader(LIMIT + 1));
      out.write(new byte[1024]);
      out.flush();
      byte[] close = in.readNBytes(4);
      assertThat(close).containsExactly(0x88, 0x02, 0x03, 0xF1);
      assertThat(closed(in)).as("closed after the close frame").isTrue();
      assertThat(relayed.get()).as("nothing of the large frame relayed").isEqualTo(relayedBefore);
    }
    assertThat(proxy.limits().rejections().total(RejectReason.WEBSOCKET_FRAME_TOO_LARGE))
        .isEqualTo(before + 1);
  }
}
