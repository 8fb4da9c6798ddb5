package io.nodemesh.testkit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.MeshConfigJson;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The controller's config API as a proxy sees it, and no more: {@code GET /api/v1/config} answers
 * the published config with its version as a quoted {@code ETag}; a request whose {@code
 * If-None-Match} holds that tag is held (long poll) until a newer one is published or {@code
 * ?wait=} seconds pass (at most {@link #maxHold}), then 304. Other parameters ({@code since=}) are
 * ignored, as an older controller does, so the proxy always gets the whole config. Closing it drops
 * every held poll, like a killed process.
 */
public final class FakeController implements AutoCloseable {
  /** Answers with a body. */
  public final AtomicInteger ok = new AtomicInteger();

  /** Answers 304. */
  public final AtomicInteger notModified = new AtomicInteger();

  /** The longest a poll is held, whatever {@code wait=} asks. */
  public volatile Duration maxHold = Duration.ofSeconds(30);

  private final HttpServer server;
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private String tag;
  private String body;

  /** Listens on {@code port} (0: ephemeral) with nothing published yet. */
  public FakeController(int port) throws IOException {
    this(HttpServer.create(new InetSocketAddress("127.0.0.1", port), 50));
  }

  /**
   * Serves on {@code server}, not started yet, which it starts: an {@code HttpsServer} on any
   * address for a controller with TLS; the caller may add contexts of its own.
   */
  public FakeController(HttpServer server) {
    this.server = server;
    server.setExecutor(executor);
    server.createContext("/api/v1/config", this::handle);
    server.start();
  }

  /** Listens on {@code port} and serves {@code initial}. */
  public FakeController(int port, MeshConfig initial) throws IOException {
    this(port);
    publish(initial);
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** The base URL a proxy is given. */
  public String url() {
    return "http://127.0.0.1:" + port();
  }

  public void publish(MeshConfig config) {
    publish("\"" + config.version() + "\"", MeshConfigJson.write(config));
  }

  /** Publishes any tag and body, for tests of what a proxy makes of a bad answer. */
  public void publish(String etag, String json) {
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
    long waitNanos = maxHold.toNanos();
    for (String param : query == null ? new String[0] : query.split("&")) {
      if (param.startsWith("wait=")) {
        waitNanos =
            Math.min(waitNanos, TimeUnit.SECONDS.toNanos(Long.parseLong(param.substring(5))));
      }
    }
    String held = ex.getRequestHeaders().getFirst("If-None-Match");
    String sendTag;
    String sendBody;
    lock.lock();
    try {
      long deadline = System.nanoTime() + waitNanos;
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
