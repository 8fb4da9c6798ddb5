package io.nodemesh.cli;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/** A tiny HTTP backend that answers its own name; the demo's whoami v1 and v2. */
final class DemoBackend implements AutoCloseable {
  private final HttpServer server;

  private DemoBackend(HttpServer server) {
    this.server = server;
  }

  /**
   * Starts a backend on {@code host:port} that answers every request with {@code name} and a
   * newline.
   *
   * @throws UserError when the port is taken
   */
  static DemoBackend start(String name, String host, int port) {
    byte[] body = (name + "\n").getBytes(StandardCharsets.UTF_8);
    HttpServer server;
    try {
      server = HttpServer.create(new InetSocketAddress(host, port), 128);
    } catch (IOException e) {
      throw new UserError(
          "demo backend " + name + " cannot listen on " + host + ":" + port + ": " + e.getMessage(),
          e);
    }
    server.createContext(
        "/",
        exchange -> {
          try (exchange) {
            exchange.getRequestBody().readAllBytes();
            exchange.getResponseHeaders().add("Content-Type", "text/plain; charset=utf-8");
            exchange.getResponseHeaders().add("X-Demo-Backend", name);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
              out.write(body);
            }
          }
        });
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.start();
    return new DemoBackend(server);
  }

  int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
