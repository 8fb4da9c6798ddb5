package io.nodemesh.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/** What the socket fixtures share: free ports, an accept loop, reading one HTTP/1.1 head. */
public final class Loopback {
  private Loopback() {}

  /** A port that was free a moment ago (for a listener the test binds itself). */
  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A server socket on 127.0.0.1, ephemeral port, whose connections {@code serve} handles. */
  static ServerSocket serve(String name, int backlog, Consumer<Socket> serve) throws IOException {
    ServerSocket server = new ServerSocket(0, backlog, InetAddress.getLoopbackAddress());
    Thread.ofVirtual()
        .name(name)
        .start(
            () -> {
              while (!server.isClosed()) {
                try {
                  Socket s = server.accept();
                  Thread.ofVirtual().start(() -> serve.accept(s));
                } catch (IOException e) {
                  return;
                }
              }
            });
    return server;
  }

  /**
   * One request head up to and including its empty line (RFC 9112 section 2.1), as ISO-8859-1 text;
   * null at EOF before a whole head.
   */
  static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int b;
    int match = 0;
    while (match < 4 && (b = in.read()) >= 0) {
      head.write(b);
      match = (b == (match % 2 == 0 ? '\r' : '\n')) ? match + 1 : (b == '\r' ? 1 : 0);
    }
    return match < 4 ? null : head.toString(StandardCharsets.ISO_8859_1);
  }

  static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      // closing a test fixture: nothing to report
    }
  }
}
