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

  /**
   * What a client of {@code name} reads for {@code payload} sent then FIN: the echo, then the
   * trailer.
   */
  public static byte[] echoOf(String name, byte[] payload) {
    byte[] trailer = trailer(name, payload.length);
    byte[] all = java.util.Arrays.copyOf(payload, payload.length + trailer.length);
    System.arraycopy(trailer, 0, all, payload.length, trailer.length);
    return all;
  }

  /**
   * Sends {@code payload} on {@code s} from another thread (8 KiB writes), then FIN, while reading
   * everything up to EOF; returns what was read.
   */
  public static byte[] sendAndReadAll(Socket s, byte[] payload) throws Exception {
    java.util.concurrent.CompletableFuture<Void> writer =
        java.util.concurrent.CompletableFuture.runAsync(
            () -> {
              try {
                OutputStream out = s.getOutputStream();
                for (int off = 0; off < payload.length; off += 8192) {
                  out.write(payload, off, Math.min(8192, payload.length - off));
                }
                out.flush();
                s.shutdownOutput();
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            },
            Thread.ofVirtual()::start);
    byte[] got = s.getInputStream().readAllBytes();
    writer.get(30, java.util.concurrent.TimeUnit.SECONDS);
    return got;
  }

  /**
   * The half-close exchange through a relay to this backend, on a fresh connection {@code s}:
   * "hello" echoes while both directions are open; after the client's FIN the backend sees EOF and
   * its trailer still arrives, then EOF.
   *
   * @throws AssertionError when any step does not happen
   */
  public void checkHalfClose(Socket s) throws IOException {
    byte[] hello = "hello".getBytes(StandardCharsets.US_ASCII);
    int eofsBefore = eofs.get();
    s.getOutputStream().write(hello);
    s.getOutputStream().flush();
    if (!java.util.Arrays.equals(s.getInputStream().readNBytes(5), hello)) {
      throw new AssertionError("no echo while both directions are open");
    }
    s.shutdownOutput();
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(30))
        .until(() -> eofs.get() > eofsBefore);
    byte[] rest = s.getInputStream().readAllBytes();
    if (!java.util.Arrays.equals(rest, trailer(name, 5))) {
      throw new AssertionError(
          "after the FIN: " + new String(rest, StandardCharsets.US_ASCII) + ", not the trailer");
    }
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
