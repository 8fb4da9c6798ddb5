package io.nodemesh.proxy.limits;

import java.time.Duration;
import java.util.Objects;

/**
 * Limits that protect the proxy from clients and backends.
 *
 * @param maxConnectionsPerListener open downstream connections per HTTP or TCP listener (and the
 *     entry port); one more is answered 503 and closed (TCP: closed)
 * @param maxRequestsPerUpstream requests in flight to one backend Service from this proxy; one more
 *     is answered 503 at once instead of queueing
 * @param maxRequestLineLength bytes of the request line; longer is 414
 * @param maxHeaderSize bytes of the header section; larger is 431
 * @param maxHeaderCount header fields in a request; more is 431
 * @param headerReadTimeout from the first byte of a request head to its end; then 408 and close
 * @param bodyReadTimeout how long a request body may stall while the proxy waits for it; then 408
 *     (or a close once the response has started)
 * @param maxWebSocketFrame payload bytes of one WebSocket frame from a client; a larger frame gets
 *     close code 1009 and the connection is closed
 */
public record LimitSettings(
    int maxConnectionsPerListener,
    int maxRequestsPerUpstream,
    int maxRequestLineLength,
    int maxHeaderSize,
    int maxHeaderCount,
    Duration headerReadTimeout,
    Duration bodyReadTimeout,
    long maxWebSocketFrame) {
  public LimitSettings {
    positive("maxConnectionsPerListener", maxConnectionsPerListener);
    positive("maxRequestsPerUpstream", maxRequestsPerUpstream);
    positive("maxRequestLineLength", maxRequestLineLength);
    positive("maxHeaderSize", maxHeaderSize);
    positive("maxHeaderCount", maxHeaderCount);
    positive("headerReadTimeout", headerReadTimeout);
    positive("bodyReadTimeout", bodyReadTimeout);
    positive("maxWebSocketFrame", maxWebSocketFrame);
  }

  /** As the canonical constructor, with the default WebSocket frame limit. */
  public LimitSettings(
      int maxConnectionsPerListener,
      int maxRequestsPerUpstream,
      int maxRequestLineLength,
      int maxHeaderSize,
      int maxHeaderCount,
      Duration headerReadTimeout,
      Duration bodyReadTimeout) {
    this(
        maxConnectionsPerListener,
        maxRequestsPerUpstream,
        maxRequestLineLength,
        maxHeaderSize,
        maxHeaderCount,
        headerReadTimeout,
        bodyReadTimeout,
        DEFAULT_MAX_WEBSOCKET_FRAME);
  }

  // The defaults are constants so that the command line can show them in its help.
  public static final int DEFAULT_MAX_CONNECTIONS_PER_LISTENER = 10_000;
  public static final int DEFAULT_MAX_REQUESTS_PER_UPSTREAM = 1_000;
  public static final int DEFAULT_MAX_REQUEST_LINE_LENGTH = 4096;
  public static final int DEFAULT_MAX_HEADER_SIZE = 8192;
  public static final int DEFAULT_MAX_HEADER_COUNT = 100;
  public static final int DEFAULT_HEADER_READ_TIMEOUT_SECONDS = 10;
  public static final int DEFAULT_BODY_READ_TIMEOUT_SECONDS = 30;

  /** 16 MiB: the proxy streams frames without holding them, so this protects backends. */
  public static final long DEFAULT_MAX_WEBSOCKET_FRAME = 16L << 20;

  private static void positive(String field, long value) {
    if (value <= 0) {
      throw new IllegalArgumentException(
          "limit settings: " + field + " " + value + " is not positive");
    }
  }

  private static void positive(String field, Duration value) {
    Objects.requireNonNull(value, "limit settings " + field);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(
          "limit settings: " + field + " " + value + " is not positive");
    }
  }

  /**
   * 10,000 connections per listener, 1,000 requests per backend Service, a 4 KiB request line, 8
   * KiB of headers, 100 header fields, 10 s for a request head, 30 s of body stall, 16 MiB
   * WebSocket frames.
   */
  public static LimitSettings defaults() {
    return new LimitSettings(
        DEFAULT_MAX_CONNECTIONS_PER_LISTENER,
        DEFAULT_MAX_REQUESTS_PER_UPSTREAM,
        DEFAULT_MAX_REQUEST_LINE_LENGTH,
        DEFAULT_MAX_HEADER_SIZE,
        DEFAULT_MAX_HEADER_COUNT,
        Duration.ofSeconds(DEFAULT_HEADER_READ_TIMEOUT_SECONDS),
        Duration.ofSeconds(DEFAULT_BODY_READ_TIMEOUT_SECONDS));
  }

  public LimitSettings withMaxConnectionsPerListener(int value) {
    return new LimitSettings(
        value,
        maxRequestsPerUpstream,
        maxRequestLineLength,
        maxHeaderSize,
        maxHeaderCount,
        headerReadTimeout,
        bodyReadTimeout,
        maxWebSocketFrame);
  }

  public LimitSettings withMaxRequestsPerUpstream(int value) {
    return new LimitSettings(
        maxConnectionsPerListener,
        value,
        maxRequestLineLength,
        maxHeaderSize,
        maxHeaderCount,
        headerReadTimeout,
        bodyReadTimeout,
        maxWebSocketFrame);
  }

  public LimitSettings withHeaderLimits(int requestLine, int headerSize, int headerCount) {
    return new LimitSettings(
        maxConnectionsPerListener,
        maxRequestsPerUpstream,
        requestLine,
        headerSize,
        headerCount,
        headerReadTimeout,
        bodyReadTimeout,
        maxWebSocketFrame);
  }

  public LimitSettings withReadTimeouts(Duration header, Duration body) {
    return new LimitSettings(
        maxConnectionsPerListener,
        maxRequestsPerUpstream,
        maxRequestLineLength,
        maxHeaderSize,
        maxHeaderCount,
        header,
        body,
        maxWebSocketFrame);
  }

  public LimitSettings withMaxWebSocketFrame(long value) {
    return new LimitSettings(
        maxConnectionsPerListener,
        maxRequestsPerUpstream,
        maxRequestLineLength,
        maxHeaderSize,
        maxHeaderCount,
        headerReadTimeout,
        bodyReadTimeout,
        value);
  }
}
