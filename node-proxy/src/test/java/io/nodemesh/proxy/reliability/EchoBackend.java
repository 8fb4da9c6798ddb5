package io.nodemesh.proxy.reliability;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A well-behaved backend: reads the whole body, answers its name. It can be told to hang (hold
 * every response until released), which is how a test makes a backend that never answers.
 */
final class EchoBackend implements AutoCloseable {
  final String name;
  final AtomicInteger requests = new AtomicInteger();
  final AtomicInteger received = new AtomicInteger();
  volatile Headers lastHeaders;
  volatile String lastBody;
  volatile CountDownLatch hold;
  private final HttpServer server;
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();

  EchoBackend(String name) throws IOException {
    this(name, "127.0.0.1");
  }

  EchoBackend(String name, String host) throws IOException {
    this.name = name;
    this.server = HttpServer.create(new InetSocketAddress(host, 0), 1024);
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  private void handle(HttpExchange ex) throws IOException {
    received.incrementAndGet();
    lastHeaders = ex.getRequestHeaders();
    try (InputStream in = ex.getRequestBody()) {
      lastBody = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    }
    CountDownLatch h = hold;
    if (h != null) {
      try {
        h.await(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    requests.incrementAndGet();
    byte[] body = name.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "text/plain");
    ex.sendResponseHeaders(200, body.length);
    ex.getResponseBody().write(body);
    ex.close();
  }

  String host() {
    return server.getAddress().getAddress().getHostAddress();
  }

  int port() {
    return server.getAddress().getPort();
  }

  EndpointConfig endpoint() {
    return EndpointConfig.ready(host(), port());
  }

  BackendConfig backend(String service) {
    return new BackendConfig(service, 1, List.of(endpoint()));
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
