package io.nodemesh.proxy.limits;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.handler.codec.http.ContentLengthNotAllowedException;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.InvalidChunkTerminationException;
import io.netty.handler.codec.http.InvalidLineSeparatorException;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.codec.http.TransferEncodingNotAllowedException;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * {@code nodemesh_rejected_requests_total{reason}}: every connection, request or backend response
 * the proxy refused, by {@link RejectReason}. All reasons are registered up front, so a scrape
 * shows zeros rather than missing series, and counting never allocates.
 */
public final class Rejections {
  private final Map<RejectReason, Counter> counters = new EnumMap<>(RejectReason.class);

  public Rejections(MeterRegistry registry) {
    for (RejectReason r : RejectReason.values()) {
      counters.put(
          r,
          Counter.builder("nodemesh.rejected.requests")
              .description(
                  "Connections, requests and backend responses refused as hostile, malformed or"
                      + " over a limit")
              .tag("reason", r.label())
              .register(registry));
    }
  }

  public void count(RejectReason reason) {
    counters.get(reason).increment();
  }

  /** The count so far (tests and diagnostics). */
  public long total(RejectReason reason) {
    return (long) counters.get(reason).count();
  }

  /**
   * What a request head the HTTP decoder refused is answered with. Netty names its refusals by
   * exception type where it can and by message otherwise; anything unknown is a plain 400.
   */
  public static RejectedRequest classify(Throwable cause) {
    if (cause instanceof RejectedRequest r) {
      return r;
    }
    String message = cause == null || cause.getMessage() == null ? "unknown" : cause.getMessage();
    return switch (reasonOf(cause, message)) {
      case REQUEST_LINE_TOO_LONG ->
          new RejectedRequest(
              HttpResponseStatus.REQUEST_URI_TOO_LONG,
              RejectReason.REQUEST_LINE_TOO_LONG,
              "request line too long: " + message);
      case HEADERS_TOO_LARGE ->
          new RejectedRequest(
              HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
              RejectReason.HEADERS_TOO_LARGE,
              "request headers too large: " + message);
      default ->
          new RejectedRequest(
              HttpResponseStatus.BAD_REQUEST,
              reasonOf(cause, message),
              "malformed request: " + message);
    };
  }

  /**
   * The reason for a request the proxy has nowhere to send: 404 is a Host no meshed Service has
   * (entry port), anything else a listener that has gone.
   */
  public static RejectReason unroutable(HttpResponseStatus status) {
    return status.code() == HttpResponseStatus.NOT_FOUND.code()
        ? RejectReason.UNKNOWN_HOST
        : RejectReason.NO_LISTENER;
  }

  /** The reason of a decoder failure, for the request or the response side. */
  public static RejectReason reasonOf(Throwable cause, String message) {
    String m = message.toLowerCase(Locale.ROOT);
    if (cause instanceof TooLongHttpLineException) {
      return RejectReason.REQUEST_LINE_TOO_LONG;
    }
    if (cause instanceof TooLongHttpHeaderException) {
      return RejectReason.HEADERS_TOO_LARGE;
    }
    if (cause instanceof InvalidLineSeparatorException) {
      return RejectReason.BAD_LINE_ENDING;
    }
    if (cause instanceof InvalidChunkTerminationException || m.contains("chunk size")) {
      return RejectReason.BAD_CHUNK;
    }
    if (m.contains("token")
        || m.contains("validation failed")
        || m.contains("colon")
        || m.contains("empty headers")) {
      return RejectReason.BAD_HEADER;
    }
    if (cause instanceof ContentLengthNotAllowedException
        || cause instanceof TransferEncodingNotAllowedException
        || m.contains("content-length")
        || m.contains("transfer-encoding")
        || m.contains("transfer coding")
        || m.contains("chunked")) {
      return RejectReason.AMBIGUOUS_FRAMING;
    }
    if (m.contains("version") || m.contains("method") || m.contains("http/0.9")) {
      return RejectReason.BAD_REQUEST_LINE;
    }
    return RejectReason.MALFORMED;
  }
}
