package io.nodemesh.proxy.tracing;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import java.lang.System.Logger.Level;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The OpenTelemetry side of {@link Tracing}, built by the SDK's autoconfiguration, so every
 * standard {@code OTEL_*} variable works; Nodemesh only changes the defaults (OTLP over
 * HTTP/protobuf, a parent-based ratio sampler, all of W3C, B3 single and multi, and Jaeger
 * propagation, no metric or log export). Every OpenTelemetry type the proxy touches is named here
 * and in {@link HeadersGetter} only, so a proxy without tracing never loads the SDK (issue 7).
 */
final class OtelTracer {
  private static final System.Logger LOG = System.getLogger(OtelTracer.class.getName());

  static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
  static final AttributeKey<String> METHOD_ORIGINAL =
      AttributeKey.stringKey("http.request.method_original");
  static final AttributeKey<String> PATH = AttributeKey.stringKey("url.path");
  static final AttributeKey<String> SCHEME = AttributeKey.stringKey("url.scheme");
  static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
  static final AttributeKey<String> CLIENT_ADDRESS = AttributeKey.stringKey("client.address");
  static final AttributeKey<String> PROTOCOL_VERSION =
      AttributeKey.stringKey("network.protocol.version");
  static final AttributeKey<String> USER_AGENT = AttributeKey.stringKey("user_agent.original");
  static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");
  static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
  static final AttributeKey<Long> GRPC_STATUS = AttributeKey.longKey("rpc.grpc.status_code");
  static final AttributeKey<String> SOURCE = AttributeKey.stringKey("nodemesh.source");
  static final AttributeKey<String> DESTINATION = AttributeKey.stringKey("nodemesh.destination");
  static final AttributeKey<String> BACKEND = AttributeKey.stringKey("nodemesh.backend");
  static final AttributeKey<String> ENDPOINT = AttributeKey.stringKey("nodemesh.endpoint");

  private final OpenTelemetrySdk sdk;
  private final Tracer tracer;
  private final TextMapPropagator propagator;

  private OtelTracer(OpenTelemetrySdk sdk, Tracer tracer, TextMapPropagator propagator) {
    this.sdk = sdk;
    this.tracer = tracer;
    this.propagator = propagator;
  }

  /**
   * The SDK as the options say, on top of the environment and Nodemesh's defaults.
   *
   * @throws IllegalArgumentException starting {@code tracing: } when the OpenTelemetry settings
   *     cannot be used
   */
  static OtelTracer create(TracingOptions options) {
    Map<String, String> flags = new HashMap<>(options.properties());
    if (options.endpoint() != null) {
      flags.put("otel.exporter.otlp.endpoint", options.endpoint());
    }
    if (options.sampleRatio() != null) {
      flags.put("otel.traces.sampler", "parentbased_traceidratio");
      flags.put("otel.traces.sampler.arg", Double.toString(options.sampleRatio()));
    }
    OpenTelemetrySdk sdk;
    try {
      sdk =
          AutoConfiguredOpenTelemetrySdk.builder()
              .addPropertiesSupplier(OtelTracer::defaults)
              .addPropertiesCustomizer(config -> flags)
              .disableShutdownHook()
              .build()
              .getOpenTelemetrySdk();
    } catch (RuntimeException e) {
      // A bad OTEL_* value (an unknown sampler, gRPC without a gRPC sender) is the user's to fix.
      throw new IllegalArgumentException("tracing: " + e.getMessage(), e);
    }
    LOG.log(Level.INFO, "tracing on: OTLP export, propagators {0}", describe(sdk));
    return new OtelTracer(
        sdk, sdk.getTracer("io.nodemesh.proxy"), sdk.getPropagators().getTextMapPropagator());
  }

  /** Nodemesh's defaults; the environment and flags override each. */
  static Map<String, String> defaults() {
    return Map.of(
        "otel.service.name", "nodemesh-proxy",
        "otel.traces.exporter", "otlp",
        "otel.metrics.exporter", "none",
        "otel.logs.exporter", "none",
        // Only the JDK HTTP sender is on the class path (node-proxy/pom.xml excludes the OkHttp
        // one),
        // and it speaks http/protobuf, not gRPC.
        "otel.exporter.otlp.protocol", "http/protobuf",
        "otel.traces.sampler", "parentbased_traceidratio",
        "otel.traces.sampler.arg", "1.0",
        "otel.propagators", "tracecontext,baggage,b3,b3multi,jaeger");
  }

  private static String describe(OpenTelemetry otel) {
    return String.join(",", otel.getPropagators().getTextMapPropagator().fields());
  }

  /**
   * Starts the server span of a request, as a child of the context its headers carry (any of the
   * configured formats).
   */
  Span startServer(
      HttpRequest request,
      boolean http2,
      String client,
      String destination,
      String backend,
      String endpoint) {
    HttpHeaders h = request.headers();
    Context parent = propagator.extract(Context.root(), h, HeadersGetter.INSTANCE);
    String method = request.method().name();
    boolean known = isKnownMethod(method);
    String uri = request.uri();
    int q = uri.indexOf('?');
    var b =
        tracer
            .spanBuilder(known ? method : "HTTP")
            .setParent(parent)
            .setSpanKind(SpanKind.SERVER)
            .setAttribute(METHOD, known ? method : "_OTHER")
            .setAttribute(PATH, q < 0 ? uri : uri.substring(0, q))
            .setAttribute(SCHEME, "http")
            .setAttribute(PROTOCOL_VERSION, protocolVersion(request, http2))
            .setAttribute(DESTINATION, destination);
    if (!known) {
      b.setAttribute(METHOD_ORIGINAL, method);
    }
    String host = h.get(HttpHeaderNames.HOST);
    if (host != null) {
      b.setAttribute(SERVER_ADDRESS, host);
    }
    String agent = h.get(HttpHeaderNames.USER_AGENT);
    if (agent != null) {
      b.setAttribute(USER_AGENT, agent);
    }
    if (client != null) {
      b.setAttribute(CLIENT_ADDRESS, client);
    }
    if (backend != null) {
      b.setAttribute(BACKEND, backend);
    }
    if (endpoint != null) {
      b.setAttribute(ENDPOINT, endpoint);
    }
    return b.startSpan();
  }

  /**
   * Writes the span's context into the headers forwarded upstream, in every configured format, so
   * the backend continues the trace whichever client library it uses.
   */
  void inject(Span span, HttpHeaders headers) {
    propagator.inject(Context.root().with(span), headers, HeadersGetter.INSTANCE);
  }

  /**
   * Ends a server span with the final status; 5xx marks it as an error (server span semantics).
   *
   * @param grpcStatus the gRPC status code, or -1 when the response is not gRPC
   */
  void end(Span span, int status, int grpcStatus, String source) {
    span.setAttribute(STATUS, (long) status);
    if (grpcStatus >= 0) {
      span.setAttribute(GRPC_STATUS, (long) grpcStatus);
    }
    if (source != null) {
      span.setAttribute(SOURCE, source);
    }
    if (status >= 500) {
      span.setAttribute(ERROR_TYPE, Integer.toString(status));
      span.setStatus(StatusCode.ERROR);
    }
    span.end();
  }

  /** An HTTP/2 stream reaches the proxy as an HTTP/1.1-shaped request on a stream channel. */
  private static String protocolVersion(HttpRequest request, boolean http2) {
    if (http2) {
      return "2";
    }
    return request.protocolVersion().minorVersion() == 0 ? "1.0" : "1.1";
  }

  static boolean isKnownMethod(String m) {
    return switch (m) {
      case "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH" -> true;
      default -> false;
    };
  }

  /** Exports what is buffered and stops the exporter. */
  void close() {
    sdk.shutdown().join(5, TimeUnit.SECONDS);
  }
}
