package io.nodemesh.testkit;

import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP backend that echoes what it reads; after the client's EOF it writes {@link #trailer} and
 * closes, so a test sees that the half-close travelled end to end.
 */
public final class TcpEchoBackend extends Fixture {
  public final String name;
  public final ServerSocket server;
  public final AtomicInteger accepted = new AtomicInteger();
  public final AtomicInteger eofs = new AtomicInteger();

  /** Starts one for a {@code @RegisterExtension} field. */
  public static TcpEchoBackend start(String name) {
    return bound(() -> new TcpEchoBackend(name));
  }

  public TcpEchoBackend(String name) throws IOException {
    this.name = name;
    this.server =
        Loopback.serve(
            "tcp-echo-" + name,
            100,
            s -> {
              accepted.incrementAndGet();
              serve(s);
            });
  }

  /** What {@code name} writes after echoing {@code n} bytes and reading EOF. */
  public static byte[] trailer(String name, long n) {
    return ("\nEOF from " + name + " after " + n + " bytes\n").getBytes(StandardCharsets.US_ASCII);
  }

  public int port() {
    return server.getLocalPort();
  }

  public BackendConfig backend(String service, int weight) {
    return new BackendConfig(service, weight, List.of(EndpointConfig.ready("127.0.0.1", port())));
  }

  private void serve(Socket s) {
    try (s) {
      InputStream in = s.getInputStream();
      OutputStream out = s.getOutputStream();
      byte[] buf = new byte[16384];
      long total = 0;
      int n;
      while ((n = in.read(buf)) >= 0) {
        out.write(buf, 0, n);
        total += n;
      }
      eofs.incrementAndGet();
      out.write(trailer(name, total));
      out.flush();
      s.shutdownOutput();
      // Let the proxy read the FIN before the socket closes.
      in.readAllBytes();
    } catch (IOException e) {
      // the test sees it
    }
  }

  @Override
  public void close() {
    Loopback.closeQuietly(server);
  }
}
