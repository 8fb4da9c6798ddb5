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
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A backend that answers each request with the next scripted byte string, verbatim: the way to make
 * a backend send what no HTTP library would (which {@link HttpBackend}, a real server, cannot). An
 * empty script answers {@link #NORMAL}. A script entry of {@code null} closes the connection
 * without answering.
 */
public final class RawHttpBackend implements AutoCloseable {
  public static final String NORMAL = "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nnormal";

  private record Step(byte[] bytes, boolean closeAfter) {}

  public final AtomicInteger requests = new AtomicInteger();
  private final ConcurrentLinkedQueue<Step> script = new ConcurrentLinkedQueue<>();
  private final ServerSocket server;

  public RawHttpBackend() throws IOException {
    server = Loopback.serve("raw-http-backend", 128, this::serve);
  }

  /** The next request gets these bytes, then the connection stays open (or closes, if null). */
  public void next(String raw) {
    script.add(new Step(raw == null ? null : raw.getBytes(StandardCharsets.ISO_8859_1), false));
  }

  /** The next request gets these bytes, then the connection is closed. */
  public void nextThenClose(String raw) {
    script.add(new Step(raw.getBytes(StandardCharsets.ISO_8859_1), true));
  }

  private void serve(Socket s) {
    try (s) {
      InputStream in = new BufferedInputStream(s.getInputStream());
      OutputStream out = s.getOutputStream();
      while (readRequest(in)) {
        requests.incrementAndGet();
        Step step = script.poll();
        if (step != null && step.bytes() == null) {
          return;
        }
        out.write(step == null ? NORMAL.getBytes(StandardCharsets.ISO_8859_1) : step.bytes());
        out.flush();
        if (step != null && step.closeAfter()) {
          return;
        }
      }
    } catch (IOException e) {
      // The proxy closed the connection: expected after a refused response.
    }
  }

  /** Reads one request head and its Content-Length body; false at EOF. */
  private static boolean readRequest(InputStream in) throws IOException {
    String head = Loopback.readHead(in);
    if (head == null) {
      return false;
    }
    for (String line : head.split("\r\n")) {
      if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
        in.readNBytes(Integer.parseInt(line.substring(15).trim()));
      }
    }
    return true;
  }

  public int port() {
    return server.getLocalPort();
  }

  public BackendConfig backend(String service) {
    return new BackendConfig(service, 1, List.of(EndpointConfig.ready("127.0.0.1", port())));
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
