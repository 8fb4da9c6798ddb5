package io.nodemesh.proxy.reliability;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A backend that, like many web servers, resolves the path it is sent before it serves it: dot
 * segments removed ({@link URI#normalize()}) and every escape decoded ({@link URI#getPath()}, so
 * {@code %2F} becomes a separator too). It answers with the path it served, the target it was sent
 * and what its header fields said, and queues each request for the test to inspect.
 */
final class NormalisingBackend implements AutoCloseable {
  /** One request as the backend read it. */
  record Seen(String raw, String served, List<String> forwardedProto, List<String> user) {}

  final BlockingQueue<Seen> seen = new LinkedBlockingQueue<>();
  private final HttpServer server;
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();

  NormalisingBackend() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 128);
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  private void handle(HttpExchange ex) throws IOException {
    try (InputStream in = ex.getRequestBody()) {
      in.readAllBytes();
    }
    URI raw = ex.getRequestURI();
    String served = raw.normalize().getPath();
    Seen s =
        new Seen(
            raw.getRawPath() + (raw.getRawQuery() == null ? "" : "?" + raw.getRawQuery()),
            served,
            List.copyOf(orEmpty(ex.getRequestHeaders().get("X-Forwarded-Proto"))),
            List.copyOf(orEmpty(ex.getRequestHeaders().get("X-User"))));
    seen.add(s);
    byte[] body = ("served " + served + "\n").getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "text/plain");
    ex.sendResponseHeaders(200, body.length);
    ex.getResponseBody().write(body);
    ex.close();
  }

  private static List<String> orEmpty(List<String> l) {
    return l == null ? List.of() : l;
  }

  BackendConfig backend(String service) {
    return new BackendConfig(
        service, 1, List.of(EndpointConfig.ready("127.0.0.1", server.getAddress().getPort())));
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
