package io.nodemesh.proxy;

import static io.nodemesh.proxy.Configs.local;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.Headers;
import io.nodemesh.proxy.tracing.TracingOptions;
import io.nodemesh.testkit.HttpBackend;
import io.nodemesh.testkit.Wire;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.util.HexFormat;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Spans exported over OTLP to a loopback receiver: each propagation format a client may send is the
 * parent of the proxy's server span, and the backend receives the proxy's span as its parent in
 * every format.
 */
class TracingIT {
  private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String PARENT = "00f067aa0ba902b7";

  private OtlpReceiver otlp;
  @RegisterExtension private final HttpBackend backend = HttpBackend.start("v1");
  private NodeProxy proxy;
  private int port;

  @BeforeEach
  void start() throws IOException {
    otlp = new OtlpReceiver();
  }

  @AfterEach
  void stop() {
    if (proxy != null) {
      proxy.close();
    }
    otlp.close();
  }

  private void startProxy(Double ratio) {
    proxy =
        NodeProxy.start(
            local()
                .withTracing(
                    new TracingOptions(
                        otlp.endpoint(), ratio, Map.of("otel.bsp.schedule.delay", "20"))));
    port = Configs.shopWebTo(proxy, backend);
  }

  private Span request(String extraHeaders) throws Exception {
    try (Wire c = new Wire(port)) {
      Wire.Answer r =
          c.exchange(
              "GET /orders/7?x=1 HTTP/1.1\r\nHost: web.shop.mesh\r\nUser-Agent: t\r\n"
                  + extraHeaders
                  + "\r\n");
      assertThat(r.status()).isEqualTo(200);
    }
    Span s = otlp.next(10);
    assertThat(s).as("a span exported within 10 s").isNotNull();
    return s;
  }

  private static String hex(com.google.protobuf.ByteString b) {
    return HexFormat.of().formatHex(b.toByteArray());
  }

  private static Map<String, String> attributes(Span s) {
    return s.getAttributesList().stream()
        .collect(
            Collectors.toMap(
                KeyValue::getKey,
                kv ->
                    kv.getValue().hasIntValue()
                        ? Long.toString(kv.getValue().getIntValue())
                        : kv.getValue().getStringValue()));
  }

  /** The backend sees the proxy's span as parent, in all four formats. */
  private void assertPropagated(Span proxySpan) {
    Headers h = backend.lastHeaders;
    String trace = hex(proxySpan.getTraceId());
    String span = hex(proxySpan.getSpanId());
    // Flags: sampled, maybe with the W3C level 2 "random trace id" bit.
    assertThat(h.getFirst("traceparent")).matches("00-" + trace + "-" + span + "-0[13]");
    assertThat(h.getFirst("b3")).isEqualTo(trace + "-" + span + "-1");
    assertThat(h.getFirst("X-B3-TraceId")).isEqualTo(trace);
    assertThat(h.getFirst("X-B3-SpanId")).isEqualTo(span);
    assertThat(h.getFirst("X-B3-Sampled")).isEqualTo("1");
    assertThat(h.getFirst("uber-trace-id")).startsWith(trace + ":" + span + ":");
  }

  @Test
  void w3cTraceparentIsTheParent() throws Exception {
    startProxy(null);
    Span s = request("traceparent: 00-" + TRACE + "-" + PARENT + "-01\r\n");
    assertThat(hex(s.getTraceId())).isEqualTo(TRACE);
    assertThat(hex(s.getParentSpanId())).isEqualTo(PARENT);
    assertThat(s.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_SERVER);
    Map<String, String> a = attributes(s);
    assertThat(a)
        .containsEntry("http.request.method", "GET")
        .containsEntry("url.path", "/orders/7")
        .containsEntry("http.response.status_code", "200")
        .containsEntry("nodemesh.destination", "shop/web:80")
        .containsEntry("nodemesh.backend", "web")
        .containsEntry("nodemesh.endpoint", "127.0.0.1:" + backend.port());
    assertThat(otlp.serviceName).isEqualTo("nodemesh-proxy");
    assertThat(otlp.contentType).isEqualTo("application/x-protobuf");
    assertPropagated(s);
  }

  /** The other propagation formats the proxy reads; each names the same parent. */
  static Stream<Arguments> parentHeaders() {
    return Stream.of(
        Arguments.of("b3 single header", "b3: " + TRACE + "-" + PARENT + "-1\r\n"),
        Arguments.of(
            "b3 multi headers",
            "X-B3-TraceId: " + TRACE + "\r\nX-B3-SpanId: " + PARENT + "\r\nX-B3-Sampled: 1\r\n"),
        Arguments.of(
            "jaeger uber-trace-id", "uber-trace-id: " + TRACE + ":" + PARENT + ":0:1\r\n"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("parentHeaders")
  void otherPropagationHeadersAreTheParent(String format, String headers) throws Exception {
    startProxy(null);
    Span s = request(headers);
    assertThat(hex(s.getTraceId())).isEqualTo(TRACE);
    assertThat(hex(s.getParentSpanId())).isEqualTo(PARENT);
    assertPropagated(s);
  }

  @Test
  void withoutHeadersTheProxyStartsTheTrace() throws Exception {
    startProxy(null);
    Span s = request("");
    assertThat(s.getParentSpanId().isEmpty()).isTrue();
    assertThat(hex(s.getTraceId())).isNotEqualTo(TRACE).hasSize(32);
    assertPropagated(s);
  }

  @Test
  void anHttp2StreamGetsItsOwnSpanMarkedAsHttp2() throws Exception {
    startProxy(null);
    try (H2Client c = new H2Client(port)) {
      assertThat(c.get("/h2", "web.shop.mesh").status()).isEqualTo(200);
    }
    Span s = otlp.next(10);
    assertThat(s).isNotNull();
    assertThat(attributes(s))
        .containsEntry("network.protocol.version", "2")
        .containsEntry("url.path", "/h2")
        .containsEntry("http.response.status_code", "200");
    assertPropagated(s);
  }

  @Test
  void ratioZeroSamplesNoNewTraceButFollowsASampledParent() throws Exception {
    startProxy(0.0);
    try (Wire c = new Wire(port)) {
      for (int i = 0; i < 5; i++) {
        assertThat(c.get("/", "web.shop.mesh").status()).isEqualTo(200);
      }
    }
    // Not sampled, but still propagated so the backend's own decision agrees.
    assertThat(backend.lastHeaders.getFirst("traceparent"))
        .matches("00-\\p{XDigit}{32}-\\p{XDigit}{16}-0[02]");
    Span s = request("traceparent: 00-" + TRACE + "-" + PARENT + "-01\r\n");
    assertThat(hex(s.getTraceId())).isEqualTo(TRACE);
    assertThat(otlp.pending()).isZero();
  }
}
