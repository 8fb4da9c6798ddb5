package io.nodemesh.proxy.fault;

import io.nodemesh.config.RouteRule;

/**
 * The fault injection of one route rule. Abort and delay are drawn independently for each request;
 * an aborted request is answered at once, without the delay (the caller sees the abort, not a slow
 * abort). An abort answers gRPC requests with a {@code grpc-status} in a trailers-only response.
 */
public final class FaultInjector {
  private final Share delayed;
  private final long delayNanos;
  private final Share aborted;
  private final int httpStatus;
  private final int grpcStatus;

  private FaultInjector(RouteRule.Fault fault) {
    RouteRule.Fault.Delay d = fault.delay();
    RouteRule.Fault.Abort a = fault.abort();
    this.delayed = d == null || d.millis() == 0 ? null : new Share(d.percent(), Share.GOLDEN);
    this.delayNanos = d == null ? 0 : d.millis() * 1_000_000L;
    this.aborted = a == null ? null : new Share(a.percent(), Share.SILVER);
    this.httpStatus = a == null ? 0 : a.httpStatus();
    this.grpcStatus = a == null || a.grpcStatus() == null ? grpcOf(httpStatus) : a.grpcStatus();
  }

  /** The injector of {@code fault}, or null when it injects nothing. */
  public static FaultInjector of(RouteRule.Fault fault) {
    if (fault == null || (fault.delay() == null && fault.abort() == null)) {
      return null;
    }
    return new FaultInjector(fault);
  }

  /** Whether this request is aborted; draws once. */
  public boolean abort() {
    return aborted != null && aborted.pick();
  }

  /** The delay of this request in ns, 0 for none; draws once. */
  public long delayNanos() {
    return delayed != null && delayed.pick() ? delayNanos : 0;
  }

  public int httpStatus() {
    return httpStatus;
  }

  /** The {@code grpc-status} of an aborted gRPC request. */
  public int grpcStatus() {
    return grpcStatus;
  }

  /**
   * The gRPC status a client derives from an HTTP status (gRPC, "HTTP to gRPC Status Code
   * Mapping"), used when the rule names none.
   */
  static int grpcOf(int http) {
    return switch (http) {
      case 400 -> 13; // INTERNAL
      case 401 -> 16; // UNAUTHENTICATED
      case 403 -> 7; // PERMISSION_DENIED
      case 404 -> 12; // UNIMPLEMENTED
      case 429, 502, 503, 504 -> 14; // UNAVAILABLE
      default -> 2; // UNKNOWN
    };
  }
}
