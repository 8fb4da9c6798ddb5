package io.nodemesh.controller.api;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The proxies that poll this replica, by node (the {@code X-Nodemesh-Node} header, else the peer
 * address), with the config version each last reported holding. A proxy counts as connected while
 * it has polled within {@link #CONNECTED_WITHIN}, which is longer than any long-poll can last.
 */
public final class ProxyTracker {
  /** Longer than {@link ConfigApi#MAX_WAIT}, so a proxy parked in a long poll stays counted. */
  static final Duration CONNECTED_WITHIN = ConfigApi.MAX_WAIT.plusSeconds(15);

  /** Distinct proxies remembered at most; the oldest are forgotten first. */
  static final int MAX_TRACKED = 10_000;

  private final Map<String, Seen> seen = new ConcurrentHashMap<>();
  private final LongSupplier clock;

  private record Seen(long version, long atNanos) {}

  public ProxyTracker() {
    this(System::nanoTime);
  }

  ProxyTracker(LongSupplier clock) {
    this.clock = clock;
  }

  /** A proxy asked for the config, holding {@code version} (-1 when it holds none). */
  public void polled(String who, long version) {
    long now = clock.getAsLong();
    seen.put(who, new Seen(version, now));
    if (seen.size() > MAX_TRACKED) {
      forgetOlderThan(now);
    }
  }

  /** Proxies that polled recently. */
  public int connected() {
    return count(Long.MIN_VALUE, true);
  }

  /** Connected proxies holding a version older than {@code current}. */
  public int behind(long current) {
    return count(current, false);
  }

  private int count(long current, boolean all) {
    long now = clock.getAsLong();
    forgetOlderThan(now);
    int n = 0;
    for (Seen s : seen.values()) {
      if (all || s.version() < current) {
        n++;
      }
    }
    return n;
  }

  private void forgetOlderThan(long now) {
    long limit = CONNECTED_WITHIN.toNanos();
    seen.values().removeIf(s -> now - s.atNanos() > limit);
  }
}
