package io.nodemesh.proxy.tracing;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.opentelemetry.api.trace.Span;
import java.util.Map;

/**
 * The proxy's tracer: off, or OpenTelemetry as {@link TracingOptions} and the {@code OTEL_*}
 * environment say. When tracing is off, {@link #enabled()} is false, the request path skips every
 * call here, and not one OpenTelemetry class is loaded: the SDK lives behind {@link OtelTracer},
 * which only {@link #create} touches, and only when tracing is on. {@link Span} appears in
 * signatures only, which the JVM resolves when a call is first made, never before.
 */
public final class Tracing implements AutoCloseable {
  private static final Tracing DISABLED = new Tracing(null);

  private final OtelTracer otel;

  private Tracing(OtelTracer otel) {
    this.otel = otel;
  }

  /** No tracing: nothing is extracted, started, injected or exported. */
  public static Tracing disabled() {
    return DISABLED;
  }

  /**
   * Tracing as the options and this process's environment say (off unless an exporter is set).
   *
   * @throws IllegalArgumentException starting {@code tracing: } when the OpenTelemetry settings
   *     cannot be used
   */
  public static Tracing create(TracingOptions options) {
    return create(options, System.getenv());
  }

  static Tracing create(TracingOptions options, Map<String, String> env) {
    return options.enabled(env) ? new Tracing(OtelTracer.create(options)) : DISABLED;
  }

  /** Nodemesh's OpenTelemetry defaults; the environment and flags override each. */
  static Map<String, String> defaults() {
    return OtelTracer.defaults();
  }

  public boolean enabled() {
    return otel != null;
  }

  /**
   * Starts the server span of a request, as a child of the context its headers carry (any of the
   * configured formats). Only call when {@link #enabled()}.
   */
  public Span startServer(
      HttpRequest request,
      boolean http2,
      String client,
      String destination,
      String backend,
      String endpoint) {
    return otel.startServer(request, http2, client, destination, backend, endpoint);
  }

  /**
   * Writes the span's context into the headers forwarded upstream, in every configured format, so
   * the backend continues the trace whichever client library it uses. Only call when {@link
   * #enabled()}.
   */
  public void inject(Span span, HttpHeaders headers) {
    otel.inject(span, headers);
  }

  /**
   * Ends a server span with the final status; 5xx marks it as an error (server span semantics).
   *
   * @param grpcStatus the gRPC status code, or -1 when the response is not gRPC
   */
  public void end(Span span, int status, int grpcStatus, String source) {
    otel.end(span, status, grpcStatus, source);
  }

  /** Exports what is buffered and stops the exporter; nothing when tracing is off. */
  @Override
  public void close() {
    if (otel != null) {
      otel.close();
    }
  }
}
