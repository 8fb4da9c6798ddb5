package io.nodemesh.proxy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.nodemesh.config.EndpointConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntUnaryOperator;

/**
 * A backend whose answers tests script: the status of the n-th request (from 1), a delay, and
 * counts of what reached it by method. {@link #kill()} closes its socket, as a crashed pod would.
 */
final class ScriptedBackend implements AutoCloseable {
  final String name;
  final AtomicInteger requests = new AtomicInteger();
  final Map<String, AtomicInteger> byMethod = new ConcurrentHashMap<>();
  final java.util.Queue<String> bodies = new java.util.concurrent.ConcurrentLinkedQueue<>();
  volatile IntUnaryOperator status = n -> 200;
  volatile long delayMillis;
  private final HttpServer server;
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
  private volatile boolean killed;

  ScriptedBackend(String name) throws IOException {
    this.name = name;
    this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 128);
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  /** Fails the first {@code n} requests with {@code code}, then answers 200. */
  ScriptedBackend failingFirst(int n, int code) {
    status = i -> i <= n ? code : 200;
    return this;
  }

  private void handle(HttpExchange ex) throws IOException {
    try (InputStream in = ex.getRequestBody()) {
      bodies.add(new String(in.readAllBytes(), StandardCharsets.ISO_8859_1));
    }
    int n = requests.incrementAndGet();
    byMethod.computeIfAbsent(ex.getRequestMethod(), k -> new AtomicInteger()).incrementAndGet();
    if (delayMillis > 0) {
      try {
        // A slow backend on purpose; the proxy must not wait on it.
        Thread.sleep(delayMillis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    byte[] body = name.getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders(status.applyAsInt(n), body.length);
    ex.getResponseBody().write(body);
    ex.close();
  }

  int count(String method) {
    AtomicInteger c = byMethod.get(method);
    return c == null ? 0 : c.get();
  }

  int port() {
    return server.getAddress().getPort();
  }

  EndpointConfig endpoint() {
    return EndpointConfig.ready("127.0.0.1", port());
  }

  /** Stops listening and drops open connections: connects to its port are refused from now on. */
  void kill() {
    if (!killed) {
      killed = true;
      server.stop(0);
    }
  }

  @Override
  public void close() {
    kill();
    executor.shutdownNow();
  }
}
