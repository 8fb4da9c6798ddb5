package io.nodemesh.dns.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * {@code GET /metrics} of the mesh DNS server in Prometheus text format, on a port of its own: the
 * DNS port speaks only DNS. The JDK's HTTP server is enough for one scrape every few seconds.
 */
public final class MetricsEndpoint implements AutoCloseable {
  /** Prometheus text exposition format 0.0.4. */
  static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final HttpServer server;
  private final ExecutorService executor;

  private MetricsEndpoint(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /**
   * Binds {@code bind:port} (0: any free port) and serves {@code metrics}.
   *
   * @throws IOException when the port cannot be bound
   */
  public static MetricsEndpoint start(String bind, int port, DnsMetrics metrics)
      throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(bind, port), 16);
    ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    server.setExecutor(executor);
    server.createContext("/", exchange -> handle(exchange, metrics));
    server.start();
    return new MetricsEndpoint(server, executor);
  }

  private static void handle(HttpExchange exchange, DnsMetrics metrics) throws IOException {
    try (exchange) {
      if (!exchange.getRequestURI().getPath().equals("/metrics")) {
        send(exchange, 404, "not found: only /metrics is served here\n", "text/plain");
        return;
      }
      if (!exchange.getRequestMethod().equals("GET")
          && !exchange.getRequestMethod().equals("HEAD")) {
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        send(exchange, 405, "method not allowed\n", "text/plain");
        return;
      }
      send(exchange, 200, metrics.scrape(), CONTENT_TYPE);
    }
  }

  private static void send(HttpExchange exchange, int status, String body, String type)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type);
    boolean head = exchange.getRequestMethod().equals("HEAD");
    exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
    if (!head) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.close();
  }
}
