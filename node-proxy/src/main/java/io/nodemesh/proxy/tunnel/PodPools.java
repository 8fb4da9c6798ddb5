package io.nodemesh.proxy.tunnel;

import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.FastThreadLocal;

/**
 * The destination's pod connection pools of one node proxy: its settings ({@link
 * TunnelSettings#podPool}, from the proxy's flags), its meters, and one {@link PodPool} per event
 * loop, which only that loop uses. Two proxies in one process (tests, the bench) each have their
 * own settings, pools and counts.
 */
final class PodPools {
  private final PodPoolSettings settings;
  private final PodPoolMetrics metrics;
  private final FastThreadLocal<PodPool> pools =
      new FastThreadLocal<>() {
        @Override
        protected PodPool initialValue() {
          return new PodPool(settings, metrics);
        }
      };

  PodPools(PodPoolSettings settings, MeterRegistry registry) {
    this.settings = settings;
    this.metrics = new PodPoolMetrics(registry);
  }

  /** The pool of {@code loop}, called on it. */
  PodPool of(EventLoop loop) {
    if (!loop.inEventLoop()) {
      throw new IllegalStateException("pod pool used off its event loop");
    }
    return pools.get();
  }

  /** An idempotent request went again on a fresh connection after a pooled one closed. */
  void retried() {
    metrics.retried();
  }
}
