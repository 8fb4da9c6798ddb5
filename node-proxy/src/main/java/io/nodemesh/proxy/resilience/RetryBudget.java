package io.nodemesh.proxy.resilience;

import io.nodemesh.config.ServicePolicy;

/**
 * Caps retries at a ratio of live traffic, as Linkerd and Finagle do: over the last 10 seconds a
 * listener may send {@code ratio * requests + minPerSecond * 10} retries. When a backend fails
 * everything, retries stop at that ceiling instead of multiplying the load it sees.
 */
public final class RetryBudget {
  static final int BUCKETS = 10;
  static final long BUCKET_NANOS = 1_000_000_000L;

  private final double ratio;
  private final long floor;
  private final long[] requests = new long[BUCKETS];
  private final long[] retries = new long[BUCKETS];
  private final long[] epochs = new long[BUCKETS];

  public RetryBudget(ServicePolicy.Retry policy) {
    this.ratio = policy.budgetRatio();
    this.floor = (long) policy.budgetMinPerSecond() * BUCKETS;
  }

  /** Counts one original request. */
  public synchronized void onRequest(long now) {
    requests[bucket(now)]++;
  }

  /** Takes one retry from the budget, or returns false when it is spent. */
  public synchronized boolean tryRetry(long now) {
    bucket(now);
    long req = 0;
    long ret = 0;
    for (int i = 0; i < BUCKETS; i++) {
      req += requests[i];
      ret += retries[i];
    }
    if (ret + 1 > ratio * req + floor) {
      return false;
    }
    retries[bucket(now)]++;
    return true;
  }

  /** The bucket of {@code now}, cleared first when it last held an older second. */
  private int bucket(long now) {
    long epoch = Math.floorDiv(now, BUCKET_NANOS);
    int i = (int) Math.floorMod(epoch, (long) BUCKETS);
    if (epochs[i] != epoch) {
      epochs[i] = epoch;
      requests[i] = 0;
      retries[i] = 0;
    }
    // Buckets of seconds that saw no traffic still hold counts from 10+ seconds ago.
    for (int j = 0; j < BUCKETS; j++) {
      if (epoch - epochs[j] >= BUCKETS) {
        requests[j] = 0;
        retries[j] = 0;
      }
    }
    return i;
  }
}
