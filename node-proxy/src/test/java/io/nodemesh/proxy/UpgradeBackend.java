package io.nodemesh.proxy;

import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A backend that switches protocols whenever it is asked to: a request with an {@code Upgrade}
 * field gets {@code 101} for its first protocol (or for {@link #force}, when set, whatever was
 * asked), then every byte is echoed upper-cased; any other request gets {@code 200 plain}. Each
 * request head is recorded, lower-cased, so a test sees what the proxy forwarded.
 */
final class UpgradeBackend implements AutoCloseable {
  final LinkedBlockingQueue<String> heads = new LinkedBlockingQueue<>();
  private final ServerSocket server;

  /** When not null, every request is answered with a 101 to this protocol. */
  volatile String force;

  UpgradeBackend() throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread.ofVirtual().name("upgrade-backend").start(this::accept);
  }

  BackendConfig backend(String service) {
    return new BackendConfig(
        service, 1, List.of(EndpointConfig.ready("127.0.0.1", server.getLocalPort())));
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        Thread.ofVirtual().start(() -> serve(s));
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket s) {
    try (s) {
      InputStream in = new BufferedInputStream(s.getInputStream());
      OutputStream out = s.getOutputStream();
      String head;
      while ((head = readHead(in)) != null) {
        heads.add(head);
        String asked = null;
        for (String line : head.split("\r\n")) {
          if (line.startsWith("upgrade:")) {
            asked = line.substring(8).split(",")[0].trim();
          }
        }
        String to = force != null ? force : asked;
        if (to == null) {
          out.write(
              "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nplain"
                  .getBytes(StandardCharsets.ISO_8859_1));
          out.flush();
          continue;
        }
        out.write(
            ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: "
                    + to
                    + "\r\nConnection: Upgrade\r\n"
                    // Without it Netty's client codec reads a WebSocket 101 as the old draft-76
                    // handshake, whose response has a body.
                    + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        int c;
        while ((c = in.read()) >= 0) {
          out.write(Character.toUpperCase(c));
          out.flush();
        }
        return;
      }
    } catch (IOException e) {
      // The proxy closed the connection.
    }
  }

  /** One request head without its final empty line, lower-cased; null at EOF. */
  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int b;
    int match = 0;
    while (match < 4 && (b = in.read()) >= 0) {
      head.write(b);
      match = (b == (match % 2 == 0 ? '\r' : '\n')) ? match + 1 : (b == '\r' ? 1 : 0);
    }
    if (match < 4) {
      return null;
    }
    String h = head.toString(StandardCharsets.ISO_8859_1);
    return h.substring(0, h.length() - 4).toLowerCase(Locale.ROOT);
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
