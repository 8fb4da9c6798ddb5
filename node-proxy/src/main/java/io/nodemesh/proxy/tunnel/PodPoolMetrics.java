package io.nodemesh.proxy.tunnel;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The meters of one node proxy's destination pod connection pools (docs/metrics.md): idle
 * connections pooled now, reuses, evictions by reason, and requests sent again on a fresh
 * connection. They count the pools of every event loop of that proxy ({@link PodPools}); another
 * proxy in the same process has its own.
 */
final class PodPoolMetrics {
  /** Why a pooled connection left the pool without being reused. */
  enum Eviction {
    /** Unused for the idle timeout. */
    IDLE,
    /** The pool of its pod was full. */
    CAP,
    /** The pod closed it, or sent something, while it waited. */
    CLOSED
  }

  private final AtomicInteger pooled = new AtomicInteger();
  private final LongAdder reuses = new LongAdder();
  private final LongAdder retries = new LongAdder();
  private final Map<Eviction, LongAdder> evictions = new EnumMap<>(Eviction.class);

  /** Registers the pool's meters on {@code registry}. */
  PodPoolMetrics(MeterRegistry registry) {
    Gauge.builder("nodemesh_tunnel_pod_connections_pooled", pooled, AtomicInteger::get)
        .description("Idle keep-alive pod connections the destination holds for reuse")
        .register(registry);
    FunctionCounter.builder("nodemesh_tunnel_pod_reuses_total", reuses, LongAdder::sum)
        .description("Tunnel requests the destination sent on a pooled pod connection")
        .register(registry);
    for (Eviction e : Eviction.values()) {
      LongAdder count = new LongAdder();
      evictions.put(e, count);
      FunctionCounter.builder("nodemesh_tunnel_pod_evictions_total", count, LongAdder::sum)
          .description("Pooled pod connections closed unused, by reason")
          .tag("reason", e.name().toLowerCase(Locale.ROOT))
          .register(registry);
    }
    FunctionCounter.builder("nodemesh_tunnel_pod_retries_total", retries, LongAdder::sum)
        .description(
            "Idempotent requests sent again on a new pod connection after a pooled one closed")
        .register(registry);
  }

  /** A connection went into a pool ({@code +1}) or left it ({@code -1}). */
  void pooled(int delta) {
    pooled.addAndGet(delta);
  }

  void reused() {
    reuses.increment();
  }

  void evicted(Eviction why) {
    evictions.get(why).increment();
  }

  void retried() {
    retries.increment();
  }
}
