package io.nodemesh.controller.api;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * A token bucket per source address: how many TokenReviews one source may cause. A source that
 * sends token after token it has never sent before gets {@link #BURST} reviews at once and then one
 * every {@link #REFILL_NANOS}; further requests are answered 429 without a review. A proxy whose
 * token is cached never draws from its bucket.
 */
final class SourceLimiter {
  static final int BURST = 10;
  static final long REFILL_NANOS = 1_000_000_000L;

  /** Sources remembered at most; beyond it, full buckets (idle sources) are forgotten first. */
  static final int MAX_SOURCES = 10_000;

  private static final class Bucket {
    double tokens = BURST;
    long at;

    Bucket(long now) {
      at = now;
    }
  }

  private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();
  private final LongSupplier clock;

  SourceLimiter(LongSupplier clock) {
    this.clock = clock;
  }

  /** Takes one review from {@code source}'s bucket; false when it is empty. */
  boolean tryAcquire(String source) {
    long now = clock.getAsLong();
    if (buckets.size() >= MAX_SOURCES && !buckets.containsKey(source)) {
      buckets.values().removeIf(b -> refilled(b, now) >= BURST);
      if (buckets.size() >= MAX_SOURCES) {
        // Every remembered source is busy: forgetting them all is the bounded choice.
        buckets.clear();
      }
    }
    Bucket b = buckets.computeIfAbsent(source, s -> new Bucket(now));
    synchronized (b) {
      b.tokens = refilled(b, now);
      b.at = now;
      if (b.tokens < 1) {
        return false;
      }
      b.tokens -= 1;
      return true;
    }
  }

  /** Sources remembered now. */
  int sources() {
    return buckets.size();
  }

  private static double refilled(Bucket b, long now) {
    return Math.min(BURST, b.tokens + (double) Math.max(0, now - b.at) / REFILL_NANOS);
  }
}
