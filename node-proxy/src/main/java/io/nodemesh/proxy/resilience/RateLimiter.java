package io.nodemesh.proxy.resilience;

import io.github.bucket4j.Bucket;
import io.nodemesh.config.ServicePolicy;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A token bucket (Bucket4j, lock-free) per Service port on this proxy, or one per client IP: it
 * refills {@code average} tokens per second continuously and holds at most {@code burst}; each
 * request (HTTP) or new connection (TCP) takes one or is refused.
 *
 * <p>Per-source buckets are kept for at most {@link #MAX_SOURCES} client IPs; beyond that, buckets
 * that are full again (their client has been quiet) are dropped, and if that is not enough all are,
 * which only ever lets a client burst once more.
 */
public final class RateLimiter {
  static final int MAX_SOURCES = 10_000;

  private final ServicePolicy.RateLimit policy;
  private final Bucket shared;
  private final Map<InetAddress, Bucket> bySource;

  public RateLimiter(ServicePolicy.RateLimit policy) {
    this.policy = policy;
    this.shared = policy.perSource() ? null : bucket(policy);
    this.bySource = policy.perSource() ? new ConcurrentHashMap<>() : null;
  }

  public ServicePolicy.RateLimit policy() {
    return policy;
  }

  /**
   * Takes a token for a request from {@code source}.
   *
   * @param source the client IP; null (unknown) shares one bucket for all unknown clients
   */
  public boolean tryAcquire(InetAddress source) {
    if (shared != null) {
      return shared.tryConsume(1);
    }
    InetAddress key = source == null ? InetAddress.getLoopbackAddress() : source;
    Bucket b = bySource.get(key);
    if (b == null) {
      if (bySource.size() >= MAX_SOURCES) {
        evictIdle();
      }
      b = bySource.computeIfAbsent(key, k -> bucket(policy));
    }
    return b.tryConsume(1);
  }

  private void evictIdle() {
    bySource.values().removeIf(b -> b.getAvailableTokens() >= policy.burst());
    if (bySource.size() >= MAX_SOURCES) {
      bySource.clear();
    }
  }

  /**
   * Greedy refill spreads tokens evenly over the period, so expressing the rate as {@code average *
   * 1000} tokens per 1000 s keeps fractional rates (0.5/s) exact.
   */
  private static Bucket bucket(ServicePolicy.RateLimit p) {
    long perKiloSecond = Math.max(1, Math.round(p.average() * 1000));
    return Bucket.builder()
        .addLimit(
            limit ->
                limit.capacity(p.burst()).refillGreedy(perKiloSecond, Duration.ofSeconds(1000)))
        .build();
  }
}
