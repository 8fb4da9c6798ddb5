package io.nodemesh.proxy.reliability;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.MeshConfigJson;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The controller's config endpoint, enough for a proxy: {@code GET /api/v1/config} answers the
 * current config with its version as {@code ETag}; a request whose {@code If-None-Match} holds that
 * version is held (long poll) until a newer one is published or a few seconds pass, then 304.
 * Closing it drops every held poll, like a killed process.
 */
final class FakeController implements AutoCloseable {
  private final HttpServer server;
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
  private MeshConfig config;

  FakeController(int port, MeshConfig initial) throws IOException {
    this.config = initial;
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 50);
    server.setExecutor(executor);
    server.createContext("/api/v1/config", this::handle);
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  synchronized void publish(MeshConfig next) {
    config = next;
    notifyAll();
  }

  private void handle(HttpExchange ex) throws IOException {
    String held = ex.getRequestHeaders().getFirst("If-None-Match");
    MeshConfig send;
    synchronized (this) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (held != null && held.equals(etag(config)) && System.nanoTime() < deadline) {
        try {
          wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
      send = config;
    }
    if (held != null && held.equals(etag(send))) {
      ex.sendResponseHeaders(304, -1);
      ex.close();
      return;
    }
    byte[] body = MeshConfigJson.write(send).getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("ETag", etag(send));
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(200, body.length);
    ex.getResponseBody().write(body);
    ex.close();
  }

  private static String etag(MeshConfig c) {
    return "\"" + c.version() + "\"";
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
