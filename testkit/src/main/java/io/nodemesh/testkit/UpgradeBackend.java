package io.nodemesh.testkit;

import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A backend that switches protocols whenever it is asked to (RFC 9110 section 7.8): a request with
 * an {@code Upgrade} field gets {@code 101} for its first protocol (or for {@link #force}, when
 * set, whatever was asked), then every byte is echoed upper-cased; any other request gets {@code
 * 200 plain}. Each request head is recorded, lower-cased and without its final empty line, so a
 * test sees what the proxy forwarded.
 */
public final class UpgradeBackend implements AutoCloseable {
  public final LinkedBlockingQueue<String> heads = new LinkedBlockingQueue<>();
  private final ServerSocket server;

  /** When not null, every request is answered with a 101 to this protocol. */
  public volatile String force;

  public UpgradeBackend() throws IOException {
    server = Loopback.serve("upgrade-backend", 50, this::serve);
  }

  public BackendConfig backend(String service) {
    return new BackendConfig(
        service, 1, List.of(EndpointConfig.ready("127.0.0.1", server.getLocalPort())));
  }

  private void serve(Socket s) {
    try (s) {
      InputStream in = new BufferedInputStream(s.getInputStream());
      OutputStream out = s.getOutputStream();
      String raw;
      while ((raw = Loopback.readHead(in)) != null) {
        String head = raw.substring(0, raw.length() - 4).toLowerCase(Locale.ROOT);
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

  @Override
  public void close() throws IOException {
    server.close();
  }
}
