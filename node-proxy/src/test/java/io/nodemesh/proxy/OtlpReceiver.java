package io.nodemesh.proxy;

import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A loopback OTLP/HTTP receiver: decodes each {@code POST /v1/traces} protobuf body with the
 * generated OTLP classes and queues its spans, as a collector would receive them.
 */
final class OtlpReceiver implements AutoCloseable {
  private final HttpServer server;
  private final BlockingQueue<Span> spans = new LinkedBlockingQueue<>();
  volatile String serviceName;
  volatile String contentType;

  OtlpReceiver() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    server.createContext(
        "/v1/traces",
        ex -> {
          try {
            handle(ex);
          } catch (IOException | RuntimeException | Error e) {
            // The JDK server would only close the connection; the test's log must say why.
            System.getLogger(OtlpReceiver.class.getName())
                .log(System.Logger.Level.ERROR, "OTLP receiver failed", e);
            throw e;
          }
        });
    server.start();
  }

  private void handle(com.sun.net.httpserver.HttpExchange ex) throws IOException {
    contentType = ex.getRequestHeaders().getFirst("Content-Type");
    ExportTraceServiceRequest req;
    try (InputStream in = ex.getRequestBody()) {
      req = ExportTraceServiceRequest.parseFrom(in);
    }
    for (ResourceSpans rs : req.getResourceSpansList()) {
      rs.getResource().getAttributesList().stream()
          .filter(a -> a.getKey().equals("service.name"))
          .forEach(a -> serviceName = a.getValue().getStringValue());
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        spans.addAll(ss.getSpansList());
      }
    }
    byte[] ok = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
    ex.getResponseHeaders().set("Content-Type", "application/x-protobuf");
    ex.sendResponseHeaders(200, ok.length == 0 ? -1 : ok.length);
    if (ok.length > 0) {
      ex.getResponseBody().write(ok);
    }
    ex.close();
  }

  String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** The next span exported, or null after {@code seconds}. */
  Span next(int seconds) throws InterruptedException {
    return spans.poll(seconds, TimeUnit.SECONDS);
  }

  int pending() {
    return spans.size();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
