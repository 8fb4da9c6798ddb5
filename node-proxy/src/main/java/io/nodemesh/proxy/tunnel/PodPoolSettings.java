package io.nodemesh.proxy.tunnel;

import java.time.Duration;

/**
 * Knobs of the destination's pod connection pool ({@link PodPool}); proxy flags {@code
 * --pod-pool-max-idle} and {@code --pod-pool-idle-timeout}, chart values {@code
 * proxy.podPool.maxIdlePerPod} and {@code proxy.podPool.idleTimeout} (docs/chart.md).
 *
 * @param maxIdlePerPod idle keep-alive HTTP/1.1 connections kept per pod address and event loop; 0
 *     keeps none (a new connection per request)
 * @param idleTimeout an idle pooled connection, and a shared h2c connection without streams, is
 *     closed after this long; keep it below the pods' own keep-alive timeout (5 s and up for most
 *     servers), so that the proxy, not the pod, closes first
 */
public record PodPoolSettings(int maxIdlePerPod, Duration idleTimeout) {
  public static final int MAX_IDLE_LIMIT = 1024;
  public static final Duration IDLE_LIMIT = Duration.ofMinutes(10);

  /**
   * 256 idle connections per pod and event loop, as the direct path keeps per endpoint ({@code
   * HttpProxySettings}): with 64, a load of 100 concurrent requests to one pod closed the 36
   * connections above the cap when they came back and opened them again for the next wave, and
   * those connects cost the CPU that queued the next wave (docs/benchmarks.md, "Where the
   * wall-clock time goes", item 5).
   */
  public static final int DEFAULT_MAX_IDLE = 256;

  /** {@link #DEFAULT_MAX_IDLE} idle connections, 4 s idle timeout. */
  public static final PodPoolSettings DEFAULTS =
      new PodPoolSettings(DEFAULT_MAX_IDLE, Duration.ofSeconds(4));

  public PodPoolSettings {
    if (maxIdlePerPod < 0 || maxIdlePerPod > MAX_IDLE_LIMIT) {
      throw new IllegalArgumentException(
          "pod pool max idle " + maxIdlePerPod + " is not in 0.." + MAX_IDLE_LIMIT);
    }
    if (idleTimeout == null
        || idleTimeout.toMillis() < 1
        || idleTimeout.compareTo(IDLE_LIMIT) > 0) {
      throw new IllegalArgumentException(
          "pod pool idle timeout " + idleTimeout + " is not between 1ms and " + IDLE_LIMIT);
    }
  }
}
