package io.nodemesh.proxy.upstream;

import java.time.Duration;
import java.util.Objects;

/**
 * Limits of the HTTP proxy.
 *
 * @param requestTimeout from the end of the request to the response head; then 504
 * @param connectTimeout upstream TCP connect; then 502
 * @param idleTimeout a connection with no traffic for this long and no request in flight is closed
 *     (downstream keep-alive connections and pooled upstream ones)
 * @param maxIdlePerEndpoint idle keep-alive upstream connections kept per endpoint per event loop
 * @param drainTimeout how long {@code close()} waits for in-flight requests
 */
public record HttpProxySettings(
    Duration requestTimeout,
    Duration connectTimeout,
    Duration idleTimeout,
    int maxIdlePerEndpoint,
    Duration drainTimeout) {
  public HttpProxySettings {
    positive("requestTimeout", requestTimeout);
    positive("connectTimeout", connectTimeout);
    positive("idleTimeout", idleTimeout);
    Objects.requireNonNull(drainTimeout, "proxy settings drainTimeout");
    if (maxIdlePerEndpoint < 0) {
      throw new IllegalArgumentException(
          "proxy settings: maxIdlePerEndpoint " + maxIdlePerEndpoint + " is negative");
    }
  }

  private static void positive(String field, Duration value) {
    Objects.requireNonNull(value, "proxy settings " + field);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(
          "proxy settings: " + field + " " + value + " is not positive");
    }
  }

  /**
   * 30 s request timeout, 5 s connect, 5 min idle, 256 idle connections, 10 s drain. The idle cap
   * is per endpoint and event loop and bounds only what stays open between bursts: a cap below the
   * concurrency a client reaches (an HTTP/2 client with 16 connections of 10 streams holds 160
   * requests in flight) closes and reopens upstream connections on every burst, a connect per
   * request for the excess (docs/benchmarks.md).
   */
  public static HttpProxySettings defaults() {
    return new HttpProxySettings(
        Duration.ofSeconds(30),
        Duration.ofSeconds(5),
        Duration.ofMinutes(5),
        256,
        Duration.ofSeconds(10));
  }

  public HttpProxySettings withRequestTimeout(Duration value) {
    return new HttpProxySettings(
        value, connectTimeout, idleTimeout, maxIdlePerEndpoint, drainTimeout);
  }

  public HttpProxySettings withIdleTimeout(Duration value) {
    return new HttpProxySettings(
        requestTimeout, connectTimeout, value, maxIdlePerEndpoint, drainTimeout);
  }
}
