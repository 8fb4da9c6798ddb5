package io.nodemesh.testkit;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntUnaryOperator;

/**
 * A well-behaved HTTP/1.1 backend (the JDK's server) that answers its name, and that tests script:
 * the status of the n-th request, a hold (answer nothing until released), a delay, a slow reader, a
 * large streamed answer, and {@link #kill()} as a crashed pod. It records what reached it: counts
 * (on arrival and on answer), methods, client ports, the last target, fields and body.
 */
public final class HttpBackend extends Fixture {
  /** Bodies longer than this are counted but not kept as text. */
  private static final int KEPT_BODY = 1 << 20;

  public final String name;

  /** Requests answered; counted before the answer is written, so a client that has it sees it. */
  public final AtomicInteger requests = new AtomicInteger();

  /** Requests that arrived, counted before anything else happens to them. */
  public final AtomicInteger received = new AtomicInteger();

  /** Client ports of the connections requests came on. */
  public final Set<Integer> connections = ConcurrentHashMap.newKeySet();

  /** Request bodies (up to 1 MiB each), as ISO-8859-1 text, in order of arrival. */
  public final Queue<String> bodies = new ConcurrentLinkedQueue<>();

  /** The status of the n-th request that arrived (from 1). */
  public volatile IntUnaryOperator status = n -> 200;

  /** When set, every answer waits until it is counted down (at most 60 s). */
  public volatile CountDownLatch hold;

  public volatile long delayMillis;

  /** Pause per MiB of request body read: a backend slower than its client. */
  public volatile long readPauseMicros;

  /** When positive, the response body is this many bytes, streamed chunked, instead of the name. */
  public volatile long responseBytes;

  public volatile String lastUri;
  public volatile Headers lastHeaders;
  public volatile String lastBody;
  public volatile long lastBodyBytes;

  private final Map<String, AtomicInteger> byMethod = new ConcurrentHashMap<>();
  private final HttpServer server;
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
  private volatile boolean killed;

  /** Starts one for a {@code @RegisterExtension} field. */
  public static HttpBackend start(String name) {
    return bound(() -> new HttpBackend(name));
  }

  public HttpBackend(String name) throws IOException {
    this(name, "127.0.0.1");
  }

  /** Listens on {@code host} (another loopback address, for tests of several pods). */
  public HttpBackend(String name, String host) throws IOException {
    this.name = name;
    this.server = HttpServer.create(new InetSocketAddress(host, 0), 1024);
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  /** Fails the first {@code n} requests with {@code code}, then answers 200. */
  public HttpBackend failingFirst(int n, int code) {
    status = i -> i <= n ? code : 200;
    return this;
  }

  private void handle(HttpExchange ex) throws IOException {
    int n = received.incrementAndGet();
    connections.add(ex.getRemoteAddress().getPort());
    byMethod.computeIfAbsent(ex.getRequestMethod(), k -> new AtomicInteger()).incrementAndGet();
    lastUri = ex.getRequestURI().toString();
    lastHeaders = ex.getRequestHeaders();
    readBody(ex);
    try {
      CountDownLatch h = hold;
      if (h != null) {
        h.await(60, TimeUnit.SECONDS);
      }
      if (delayMillis > 0) {
        // A slow backend on purpose (it simulates work); the proxy must not wait on it.
        Thread.sleep(delayMillis);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    requests.incrementAndGet();
    ex.getResponseHeaders().set("Content-Type", "text/plain");
    long extra = responseBytes;
    if (extra > 0) {
      // Chunked (length 0): the proxy must stream a body of unknown length.
      ex.sendResponseHeaders(status.applyAsInt(n), 0);
      byte[] block = new byte[1 << 16];
      for (long sent = 0; sent < extra; sent += block.length) {
        ex.getResponseBody().write(block, 0, (int) Math.min(block.length, extra - sent));
      }
    } else {
      byte[] body = name.getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(status.applyAsInt(n), body.length);
      ex.getResponseBody().write(body);
    }
    ex.close();
  }

  private void readBody(HttpExchange ex) throws IOException {
    ByteArrayOutputStream kept = new ByteArrayOutputStream();
    long total = 0;
    try (InputStream in = ex.getRequestBody()) {
      byte[] buf = new byte[65536];
      int r;
      long unpaused = 0;
      while ((r = in.read(buf)) >= 0) {
        total += r;
        unpaused += r;
        if (total <= KEPT_BODY) {
          kept.write(buf, 0, r);
        }
        if (readPauseMicros > 0 && unpaused >= 1 << 20) {
          unpaused = 0;
          LockSupport.parkNanos(readPauseMicros * 1000);
        }
      }
    }
    lastBodyBytes = total;
    String text = total <= KEPT_BODY ? kept.toString(StandardCharsets.ISO_8859_1) : null;
    lastBody = text;
    if (text != null) {
      bodies.add(text);
    }
  }

  /** Requests that arrived with this method. */
  public int count(String method) {
    AtomicInteger c = byMethod.get(method);
    return c == null ? 0 : c.get();
  }

  public String host() {
    return server.getAddress().getAddress().getHostAddress();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  public EndpointConfig endpoint() {
    return EndpointConfig.ready(host(), port());
  }

  public BackendConfig backend(String service) {
    return backend(service, 1);
  }

  public BackendConfig backend(String service, int weight) {
    return new BackendConfig(service, weight, List.of(endpoint()));
  }

  /** Stops listening and drops open connections: connects to its port are refused from now on. */
  public void kill() {
    if (!killed) {
      killed = true;
      CountDownLatch h = hold;
      if (h != null) {
        h.countDown();
      }
      server.stop(0);
    }
  }

  @Override
  public void close() {
    kill();
    executor.shutdownNow();
  }
}
