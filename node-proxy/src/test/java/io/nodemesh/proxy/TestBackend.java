package io.nodemesh.proxy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** A backend that answers its own name and counts requests and distinct connections. */
final class TestBackend implements AutoCloseable {
  final String name;
  final AtomicInteger requests = new AtomicInteger();
  final AtomicInteger received = new AtomicInteger();
  final Set<Integer> connections = ConcurrentHashMap.newKeySet();
  volatile CountDownLatch hold;
  volatile long delayMillis;

  /** Pause per MiB of request body read: a backend slower than its client. */
  volatile long readPauseMicros;

  /** When positive, the response body is this many bytes (after the name) instead of the name. */
  volatile long responseBytes;

  volatile String lastUri;
  volatile com.sun.net.httpserver.Headers lastHeaders;
  volatile long lastBodyBytes;
  private final HttpServer server;
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();

  TestBackend(String name) throws IOException {
    this.name = name;
    this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 128);
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  private void handle(HttpExchange ex) throws IOException {
    received.incrementAndGet();
    connections.add(ex.getRemoteAddress().getPort());
    lastUri = ex.getRequestURI().toString();
    lastHeaders = ex.getRequestHeaders();
    long n = 0;
    try (InputStream in = ex.getRequestBody()) {
      byte[] buf = new byte[65536];
      int r;
      long unpaused = 0;
      while ((r = in.read(buf)) >= 0) {
        n += r;
        unpaused += r;
        if (readPauseMicros > 0 && unpaused >= 1 << 20) {
          unpaused = 0;
          java.util.concurrent.locks.LockSupport.parkNanos(readPauseMicros * 1000);
        }
      }
    }
    lastBodyBytes = n;
    try {
      CountDownLatch h = hold;
      if (h != null) {
        h.await(30, TimeUnit.SECONDS);
      }
      if (delayMillis > 0) {
        // The backend is slow on purpose (it simulates work); the proxy must not wait on it.
        Thread.sleep(delayMillis);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // Counted before answering, so a client that has its response also sees the count.
    requests.incrementAndGet();
    byte[] body = name.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "text/plain");
    long extra = responseBytes;
    if (extra > 0) {
      // Chunked (length 0): the proxy must stream a body of unknown length.
      ex.sendResponseHeaders(200, 0);
      byte[] block = new byte[1 << 16];
      for (long sent = 0; sent < extra; sent += block.length) {
        ex.getResponseBody().write(block, 0, (int) Math.min(block.length, extra - sent));
      }
    } else {
      ex.sendResponseHeaders(200, body.length);
      ex.getResponseBody().write(body);
    }
    ex.close();
  }

  int port() {
    return server.getAddress().getPort();
  }

  EndpointConfig endpoint() {
    return EndpointConfig.ready("127.0.0.1", port());
  }

  BackendConfig backend(String service, int weight) {
    return new BackendConfig(service, weight, List.of(endpoint()));
  }

  @Override
  public void close() {
    CountDownLatch h = hold;
    if (h != null) {
      h.countDown();
    }
    server.stop(0);
    executor.shutdownNow();
  }
}
