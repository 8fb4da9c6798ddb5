package io.nodemesh.proxy.metrics;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.proxy.accesslog.AccessLog;
import io.nodemesh.proxy.accesslog.AccessLogEntry;
import io.nodemesh.proxy.tap.TapEvent;
import io.nodemesh.proxy.tracing.Tracing;
import io.opentelemetry.api.trace.Span;
import java.net.InetSocketAddress;

/**
 * What one HTTP request reports: metrics at the end, its server span (only when tracing is on), its
 * access log line (only when access logs are on), its tap event (only while a tap is open). Used on
 * the request's event loop only. With tracing, access logs and taps off, it is a start time and two
 * byte counts.
 */
public final class RequestObservation {
  private static final String GRPC_STATUS = "grpc-status";

  private final ProxyMetrics owner;
  private final ObservedListener listener;
  private final String backend;
  private ObservedEndpoint target;
  private final String method;
  private final long startNanos = System.nanoTime();
  private final Span span;
  private final Channel down;
  private final String path;
  private final long startMillis;
  private String source = ListenerMetrics.UNKNOWN_SOURCE;
  private boolean sourceLabel = true;
  private RouteMeters.Meter routeMeter;
  private long requestBytes;
  private long responseBytes;
  private int retries;
  private int grpcStatus = -1;
  private boolean ended;
  private final boolean tapped;

  RequestObservation(
      ProxyMetrics owner,
      ObservedListener listener,
      String backend,
      ObservedEndpoint target,
      HttpRequest request,
      Channel down) {
    this.owner = owner;
    this.listener = listener;
    this.backend = backend;
    this.target = target;
    this.method = request.method().name();
    this.down = down;
    Tracing tracing = owner.tracing();
    this.span =
        tracing.enabled()
            ? tracing.startServer(
                request,
                down instanceof Http2StreamChannel || fromHttp2(request),
                clientIp(down),
                destination(listener),
                backend,
                target == null ? null : target.authority())
            : null;
    tapped = owner.taps().on();
    if (tapped || owner.accessLog().enabled()) {
      path = request.uri();
      startMillis = System.currentTimeMillis();
    } else {
      path = null;
      startMillis = 0;
    }
  }

  /**
   * Whether a request came on an HTTP/2 stream of a downstream connection: such streams have no
   * channel of their own, and Netty's conversion names the stream in an extension header.
   */
  private static boolean fromHttp2(HttpRequest request) {
    return request.headers().contains(HttpConversionUtil.ExtensionHeaderNames.STREAM_ID.text());
  }

  /**
   * Writes the trace context of this request's span into the headers forwarded upstream; a no-op
   * when tracing is off (the client's own headers then pass through untouched).
   */
  public void inject(HttpHeaders upstreamHeaders) {
    if (span != null) {
      owner.tracing().inject(span, upstreamHeaders);
    }
  }

  /** Body bytes read from the client. */
  public void requestBytes(int n) {
    requestBytes += n;
  }

  /** Body bytes forwarded to the client. */
  public void responseBytes(int n) {
    responseBytes += n;
  }

  /**
   * A part of the final response on its way to the client: counts body bytes and picks up the gRPC
   * status, from the trailers or, for a trailers-only answer, from the response head.
   */
  public void response(HttpObject part) {
    if (part instanceof HttpResponse r) {
      grpcStatus(r.headers().get(GRPC_STATUS));
    }
    if (part instanceof HttpContent c) {
      responseBytes += c.content().readableBytes();
    }
    if (part instanceof LastHttpContent l) {
      grpcStatus(l.trailingHeaders().get(GRPC_STATUS));
    }
  }

  private void grpcStatus(String value) {
    if (value != null) {
      grpcStatus = ListenerMetrics.grpcCode(value);
    }
  }

  /** The caller's identity (service account), once access control has resolved it. */
  public void source(String serviceAccount) {
    if (serviceAccount != null) {
      source = serviceAccount;
    }
  }

  /**
   * The identity of a caller the proxy denied or refused: named in the access log and the span, but
   * counted under {@code source="unknown"}, so such callers add no series.
   */
  public void unservedSource(String serviceAccount) {
    source(serviceAccount);
    sourceLabel = false;
  }

  /** One more attempt is being made (counted in {@code nodemesh_retries_total}). */
  public void retried() {
    retries++;
    if (listener != null && backend != null) {
      listener.metrics().retry(backend);
    }
  }

  /** The trace id of this request's span, or null when tracing is off. */
  public String traceId() {
    return span == null ? null : span.getSpanContext().getTraceId();
  }

  /**
   * The endpoint of the current attempt: a retry may go to another one, and the access log names
   * the endpoint that gave the answer.
   */
  public void endpoint(ObservedEndpoint attempted) {
    if (attempted != null) {
      target = attempted;
    }
  }

  /** The request was routed by a Gateway API rule: its meter counts it too (issue 17). */
  public void route(RouteMeters.Meter meter) {
    routeMeter = meter;
  }

  /** Records the outcome; later calls are ignored. */
  public void end(int status) {
    if (ended) {
      return;
    }
    ended = true;
    long nanos = System.nanoTime() - startNanos;
    if (routeMeter != null) {
      routeMeter.record(status, nanos);
    }
    if (listener != null) {
      listener
          .metrics()
          .request(
              backend == null ? ListenerMetrics.NO_BACKEND : backend,
              sourceLabel ? source : ListenerMetrics.UNKNOWN_SOURCE,
              method,
              status,
              nanos,
              requestBytes,
              responseBytes);
      if (grpcStatus >= 0) {
        listener.metrics().grpc(backend == null ? ListenerMetrics.NO_BACKEND : backend, grpcStatus);
      }
    }
    if (span != null) {
      owner.tracing().end(span, status, grpcStatus, source);
    }
    if (tapped) {
      tap(status, nanos);
    }
    AccessLog log = owner.accessLog();
    if (log.enabled()) {
      log.log(
          new AccessLogEntry(
              startMillis,
              "http",
              down.remoteAddress() == null ? null : address(down.remoteAddress()),
              ListenerMetrics.UNKNOWN_SOURCE.equals(source) ? null : source,
              destination(listener),
              backend,
              target == null ? null : target.authority(),
              method,
              path,
              status,
              nanos,
              requestBytes,
              responseBytes,
              retries,
              traceId()));
    }
  }

  private void tap(int status, long nanos) {
    ListenerConfig c = listener == null ? null : listener.config();
    owner
        .taps()
        .publish(
            new TapEvent(
                startMillis,
                c == null ? null : c.namespace(),
                c == null ? null : c.service(),
                c == null ? 0 : c.port(),
                backend,
                target == null ? null : target.authority(),
                method,
                path,
                status,
                nanos,
                ListenerMetrics.UNKNOWN_SOURCE.equals(source) ? null : source,
                down.remoteAddress() == null ? null : address(down.remoteAddress())));
  }

  private static String destination(ObservedListener listener) {
    if (listener == null) {
      return null;
    }
    ListenerConfig c = listener.config();
    return c.namespace() + "/" + c.service() + ":" + c.port();
  }

  private static String clientIp(Channel ch) {
    return ch.remoteAddress() instanceof InetSocketAddress a && a.getAddress() != null
        ? a.getAddress().getHostAddress()
        : null;
  }

  static String address(java.net.SocketAddress a) {
    if (a instanceof InetSocketAddress i && i.getAddress() != null) {
      return i.getAddress().getHostAddress() + ":" + i.getPort();
    }
    return String.valueOf(a);
  }
}
