package io.nodemesh.proxy.tunnel;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The meters of the destination's pod connection pools (docs/metrics.md): idle connections pooled
 * now, reuses, evictions by reason, and requests sent again on a fresh connection. The pools are
 * per event loop of the process ({@link PodPool}), so the counts are the process's, registered on
 * each tunnel's registry (one node proxy is one process).
 */
public final class PodPoolMetrics {
  /** Why a pooled connection left the pool without being reused. */
  enum Eviction {
    /** Unused for the idle timeout. */
    IDLE,
    /** The pool of its pod was full. */
    CAP,
    /** The pod closed it, or sent something, while it waited. */
    CLOSED;

    final LongAdder count = new LongAdder();
  }

  static final AtomicInteger POOLED = new AtomicInteger();
  static final LongAdder REUSES = new LongAdder();
  static final LongAdder RETRIES = new LongAdder();

  private PodPoolMetrics() {}

  /** Registers the pool's meters on {@code registry}. */
  public static void register(MeterRegistry registry) {
    Gauge.builder("nodemesh_tunnel_pod_connections_pooled", POOLED, AtomicInteger::get)
        .description("Idle keep-alive pod connections the destination holds for reuse")
        .register(registry);
    FunctionCounter.builder("nodemesh_tunnel_pod_reuses_total", REUSES, LongAdder::sum)
        .description("Tunnel requests the destination sent on a pooled pod connection")
        .register(registry);
    for (Eviction e : Eviction.values()) {
      FunctionCounter.builder("nodemesh_tunnel_pod_evictions_total", e.count, LongAdder::sum)
          .description("Pooled pod connections closed unused, by reason")
          .tag("reason", e.name().toLowerCase(java.util.Locale.ROOT))
          .register(registry);
    }
    FunctionCounter.builder("nodemesh_tunnel_pod_retries_total", RETRIES, LongAdder::sum)
        .description(
            "Idempotent requests sent again on a new pod connection after a pooled one closed")
        .register(registry);
  }
}
