package io.nodemesh.cli;

import io.nodemesh.proxy.limits.LimitSettings;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The proxy's connection, request and frame limits ({@link LimitSettings}), shared by {@code proxy}
 * and {@code local}. Each flag left out keeps its default, so the defaults live in one place.
 */
final class LimitOptions {
  @Option(
      names = "--max-connections-per-listener",
      paramLabel = "N",
      description =
          "Open client connections per HTTP or TCP listener (and the entry port); one more gets 503"
              + " (or GOAWAY on HTTP/2) and is closed, a TCP one is closed at once. Default: "
              + LimitSettings.DEFAULT_MAX_CONNECTIONS_PER_LISTENER
              + ".")
  Integer maxConnectionsPerListener;

  @Option(
      names = "--max-requests-per-upstream",
      paramLabel = "N",
      description =
          "Requests in flight to one backend Service from this proxy; one more gets 503 at once."
              + " Default: "
              + LimitSettings.DEFAULT_MAX_REQUESTS_PER_UPSTREAM
              + ".")
  Integer maxRequestsPerUpstream;

  @Option(
      names = "--max-request-line",
      paramLabel = "BYTES",
      description =
          "Longest HTTP/1.1 request line; longer gets 414. Default: "
              + LimitSettings.DEFAULT_MAX_REQUEST_LINE_LENGTH
              + ".")
  Integer maxRequestLine;

  @Option(
      names = "--max-header-size",
      paramLabel = "BYTES",
      description =
          "Largest request header section (HTTP/1.1) or header list (HTTP/2); larger gets 431."
              + " Default: "
              + LimitSettings.DEFAULT_MAX_HEADER_SIZE
              + ".")
  Integer maxHeaderSize;

  @Option(
      names = "--max-header-count",
      paramLabel = "N",
      description =
          "Most header fields in a request; more gets 431. Default: "
              + LimitSettings.DEFAULT_MAX_HEADER_COUNT
              + ".")
  Integer maxHeaderCount;

  @Option(
      names = "--header-read-timeout",
      paramLabel = "DURATION",
      description =
          "Time from the first byte of a request head to its end (e.g. 10s, 500ms); then 408, or"
              + " GOAWAY on HTTP/2. Default: "
              + LimitSettings.DEFAULT_HEADER_READ_TIMEOUT_SECONDS
              + "s.")
  String headerReadTimeout;

  @Option(
      names = "--body-read-timeout",
      paramLabel = "DURATION",
      description =
          "How long a request body may stall while the proxy waits for it; then 408 (or a reset)."
              + " Default: "
              + LimitSettings.DEFAULT_BODY_READ_TIMEOUT_SECONDS
              + "s.")
  String bodyReadTimeout;

  @Option(
      names = "--max-websocket-frame",
      paramLabel = "BYTES",
      description =
          "Largest WebSocket frame payload from a client; larger gets close code 1009. Default: "
              + LimitSettings.DEFAULT_MAX_WEBSOCKET_FRAME
              + ".")
  Long maxWebSocketFrame;

  /**
   * The defaults with these flags applied.
   *
   * @throws CommandLine.ParameterException naming the flag when a value is not positive
   */
  LimitSettings settings(CommandLine cmd) {
    LimitSettings d = LimitSettings.defaults();
    return new LimitSettings(
        positive(
            cmd,
            "--max-connections-per-listener",
            maxConnectionsPerListener,
            d.maxConnectionsPerListener()),
        positive(
            cmd, "--max-requests-per-upstream", maxRequestsPerUpstream, d.maxRequestsPerUpstream()),
        positive(cmd, "--max-request-line", maxRequestLine, d.maxRequestLineLength()),
        positive(cmd, "--max-header-size", maxHeaderSize, d.maxHeaderSize()),
        positive(cmd, "--max-header-count", maxHeaderCount, d.maxHeaderCount()),
        duration(cmd, "--header-read-timeout", headerReadTimeout, d.headerReadTimeout()),
        duration(cmd, "--body-read-timeout", bodyReadTimeout, d.bodyReadTimeout()),
        positive(cmd, "--max-websocket-frame", maxWebSocketFrame, d.maxWebSocketFrame()));
  }

  private static int positive(CommandLine cmd, String flag, Integer value, int fallback) {
    return (int) positive(cmd, flag, value == null ? null : value.longValue(), fallback);
  }

  private static long positive(CommandLine cmd, String flag, Long value, long fallback) {
    if (value == null) {
      return fallback;
    }
    if (value <= 0) {
      throw new CommandLine.ParameterException(
          cmd, flag + " must be a positive number (got " + value + ")");
    }
    return value;
  }

  /** {@code 500ms}, {@code 10s}, {@code 2m}, {@code 1m30s}: a positive duration. */
  static Duration duration(CommandLine cmd, String flag, String value, Duration fallback) {
    if (value == null) {
      return fallback;
    }
    String v = value.trim().toLowerCase(Locale.ROOT);
    Duration d = null;
    try {
      d =
          v.endsWith("ms") && v.length() > 2
              ? Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)))
              : Duration.parse("PT" + v);
    } catch (NumberFormatException | DateTimeParseException e) {
      d = null;
    }
    if (d == null || d.isNegative() || d.isZero()) {
      throw new CommandLine.ParameterException(
          cmd,
          flag + " must be a positive duration such as 500ms, 10s or 2m (got '" + value + "')");
    }
    return d;
  }
}
