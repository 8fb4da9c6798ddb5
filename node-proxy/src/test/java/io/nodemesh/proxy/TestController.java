package io.nodemesh.proxy;

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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The controller's config API as the proxy sees it: {@code GET /api/v1/config} with the version as
 * a quoted {@code ETag}; with a matching {@code If-None-Match} it holds the request up to {@code
 * ?wait=} seconds for a newer version, else answers 304.
 */
final class TestController implements AutoCloseable {
  final AtomicInteger ok = new AtomicInteger();
  final AtomicInteger notModified = new AtomicInteger();
  private final HttpServer server;
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private String tag;
  private String body;

  TestController(int port) throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 50);
    server.setExecutor(executor);
    server.createContext("/api/v1/config", this::handle);
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  void publish(MeshConfig config) {
    publish("\"" + config.version() + "\"", MeshConfigJson.write(config));
  }

  void publish(String etag, String json) {
    lock.lock();
    try {
      tag = etag;
      body = json;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private void handle(HttpExchange ex) throws IOException {
    String query = ex.getRequestURI().getQuery();
    long waitSec = 30;
    // Other parameters (since=, from a proxy that can apply deltas) are ignored, as an older
    // controller does.
    for (String param : query == null ? new String[0] : query.split("&")) {
      if (param.startsWith("wait=")) {
        waitSec = Long.parseLong(param.substring(5));
      }
    }
    String held = ex.getRequestHeaders().getFirst("If-None-Match");
    String sendTag;
    String sendBody;
    lock.lock();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(waitSec);
      while (held != null && held.equals(tag)) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          break;
        }
        changed.awaitNanos(left);
      }
      sendTag = tag;
      sendBody = body;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    } finally {
      lock.unlock();
    }
    if (held != null && held.equals(sendTag)) {
      notModified.incrementAndGet();
      ex.sendResponseHeaders(304, -1);
      ex.close();
      return;
    }
    byte[] bytes = sendBody.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("ETag", sendTag);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(200, bytes.length);
    ex.getResponseBody().write(bytes);
    ex.close();
    ok.incrementAndGet();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
