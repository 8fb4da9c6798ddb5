package io.nodemesh.proxy.balance;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Smooth weighted round robin (the nginx algorithm): for weights 5:1:1 the order is {@code a a b a
 * c a a}, so a heavy backend is never hit in long bursts.
 *
 * <p>The sequence of one full cycle is computed once per config and indexed by an atomic counter,
 * so every event loop shares one exact distribution without a lock. Weights are reduced by their
 * greatest common divisor; a cycle longer than {@link #MAX_CYCLE} is scaled down proportionally (a
 * non-zero weight stays at least 1).
 */
public final class SmoothWeightedRoundRobin {
  /** Longest precomputed cycle; SMI weights are usually percentages or per-mille. */
  public static final int MAX_CYCLE = 10_000;

  private final int[] sequence;
  private final AtomicLong next = new AtomicLong();

  public SmoothWeightedRoundRobin(int[] weights) {
    this.sequence = cycle(weights);
  }

  /** The index of the next pick, or -1 when every weight is 0. */
  public int pick() {
    if (sequence.length == 0) {
      return -1;
    }
    return sequence[(int) Math.floorMod(next.getAndIncrement(), (long) sequence.length)];
  }

  /** One full cycle of picks (indices into the weights). */
  static int[] cycle(int[] weights) {
    int[] w = reduce(weights);
    long total = 0;
    for (int x : w) {
      total += x;
    }
    int[] out = new int[(int) total];
    long[] current = new long[w.length];
    for (int i = 0; i < out.length; i++) {
      int best = -1;
      for (int p = 0; p < w.length; p++) {
        current[p] += w[p];
        if (w[p] > 0 && (best < 0 || current[p] > current[best])) {
          best = p;
        }
      }
      current[best] -= total;
      out[i] = best;
    }
    return out;
  }

  private static int[] reduce(int[] weights) {
    int[] w = Arrays.copyOf(weights, weights.length);
    int g = 0;
    long total = 0;
    for (int x : w) {
      if (x < 0) {
        throw new IllegalArgumentException("weight " + x + " is negative");
      }
      g = gcd(g, x);
      total += x;
    }
    if (g > 1) {
      for (int i = 0; i < w.length; i++) {
        w[i] /= g;
      }
      total /= g;
    }
    if (total > MAX_CYCLE) {
      for (int i = 0; i < w.length; i++) {
        if (w[i] > 0) {
          w[i] = (int) Math.max(1, Math.round((double) w[i] * MAX_CYCLE / total));
        }
      }
    }
    return w;
  }

  private static int gcd(int a, int b) {
    while (b != 0) {
      int t = a % b;
      a = b;
      b = t;
    }
    return a;
  }
}
