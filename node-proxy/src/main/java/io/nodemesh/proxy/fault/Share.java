package io.nodemesh.proxy.fault;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Picks a given share of requests, thread-safe and without allocation. Request {@code n} is picked
 * when the fractional part of {@code n * alpha} is below the share, for an irrational {@code alpha}
 * (a Weyl sequence): over any {@code N} consecutive requests the picked count differs from {@code N
 * * share} by O(log N), where independent coin flips differ by O(sqrt N), and unlike "every k-th
 * request" it does not fall into step with a client's own request pattern.
 */
public final class Share {
  /** 2^64 / golden ratio, odd: the classic Weyl increment. */
  public static final long GOLDEN = 0x9E3779B97F4A7C15L;

  /** 2^64 * (sqrt(2) - 1), odd: a second, unrelated sequence. */
  public static final long SILVER = 0x6A09E667F3BCC909L;

  /** 2^64 * frac(sqrt(3)), odd: a third one. */
  public static final long BRONZE = 0xBB67AE8584CAA73BL;

  /**
   * 2^64 * frac(cbrt(2)), made odd: a fourth one (not sqrt(5), which is the golden ratio's kin).
   */
  public static final long COPPER = 0x428A2F98D728AE23L;

  private final AtomicLong next = new AtomicLong();
  private final long step;
  private final long threshold;
  private final boolean all;

  /**
   * @param percent 0..100
   * @param step the sequence increment ({@link #GOLDEN}, {@link #SILVER}); two shares drawn for the
   *     same requests should use different ones, so that they are not correlated
   */
  public Share(double percent, long step) {
    this.step = step;
    this.all = percent >= 100;
    // percent/100 as a fraction of 2^64, compared unsigned.
    this.threshold = all ? -1L : (long) (percent / 100.0 * 0x1p63) << 1;
  }

  /** Whether this request is in the share. */
  public boolean pick() {
    if (all) {
      return true;
    }
    if (threshold == 0) {
      return false;
    }
    long x = next.getAndIncrement() * step;
    return Long.compareUnsigned(x, threshold) < 0;
  }

  /** Whether the share is empty (nothing is ever picked). */
  public boolean none() {
    return !all && threshold == 0;
  }
}
