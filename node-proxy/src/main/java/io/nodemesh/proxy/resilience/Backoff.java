package io.nodemesh.proxy.resilience;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with full jitter: the n-th retry (from 0) waits a uniformly random time in
 * {@code [0, min(max, base * 2^n))}. Full jitter spreads the retries of many clients that failed
 * together, which is what keeps a recovering backend from being hit by synchronized waves.
 */
public final class Backoff {
  private Backoff() {}

  /** The delay before retry number {@code retry} (0 for the first), in nanoseconds. */
  public static long delayNanos(long baseMillis, long maxMillis, int retry) {
    long ceilingMillis = baseMillis << Math.min(retry, 30);
    if (ceilingMillis <= 0 || ceilingMillis > maxMillis) {
      ceilingMillis = maxMillis;
    }
    long ceiling = ceilingMillis * 1_000_000L;
    return ceiling <= 0 ? 0 : ThreadLocalRandom.current().nextLong(ceiling);
  }
}
