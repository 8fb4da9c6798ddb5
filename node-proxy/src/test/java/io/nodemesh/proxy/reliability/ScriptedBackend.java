package io.nodemesh.proxy.reliability;

import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A backend that answers each request with the next scripted byte string, verbatim: the way to make
 * a backend send what no HTTP library would. An empty queue answers a normal {@code normal}. A
 * script entry of {@code null} closes the connection without answering.
 */
final class ScriptedBackend implements AutoCloseable {
  static final String NORMAL = "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nnormal";

  private record Step(byte[] bytes, boolean closeAfter) {}

  final AtomicInteger requests = new AtomicInteger();
  private final ConcurrentLinkedQueue<Step> script = new ConcurrentLinkedQueue<>();
  private final ServerSocket server;

  ScriptedBackend() throws IOException {
    server = new ServerSocket();
    server.bind(new InetSocketAddress("127.0.0.1", 0), 128);
    Thread.ofVirtual().name("scripted-backend").start(this::accept);
  }

  /** The next request gets these bytes, then the connection stays open (or closes, if null). */
  void next(String raw) {
    script.add(new Step(raw == null ? null : raw.getBytes(StandardCharsets.ISO_8859_1), false));
  }

  /** The next request gets these bytes, then the connection is closed. */
  void nextThenClose(String raw) {
    script.add(new Step(raw.getBytes(StandardCharsets.ISO_8859_1), true));
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
      InputStream in = s.getInputStream();
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
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int b;
    int match = 0;
    while (match < 4 && (b = in.read()) >= 0) {
      head.write(b);
      match = (b == (match % 2 == 0 ? '\r' : '\n')) ? match + 1 : (b == '\r' ? 1 : 0);
    }
    if (match < 4) {
      return false;
    }
    for (String line : head.toString(StandardCharsets.ISO_8859_1).split("\r\n")) {
      if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
        in.readNBytes(Integer.parseInt(line.substring(15).trim()));
      }
    }
    return true;
  }

  int port() {
    return server.getLocalPort();
  }

  BackendConfig backend(String service) {
    return new BackendConfig(service, 1, List.of(EndpointConfig.ready("127.0.0.1", port())));
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
