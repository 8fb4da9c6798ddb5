package io.nodemesh.proxy.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The proxy's meters. Label sets are bounded by the configuration: namespace, service, port and
 * status code class; no paths, no endpoint IPs.
 */
public final class ProxyMetrics {
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final AtomicLong configVersion = new AtomicLong(-1);
  private final Counter upstreamOpened;

  public ProxyMetrics() {
    Gauge.builder("nodemesh.config.version", configVersion, AtomicLong::doubleValue)
        .description("Version of the configuration in force, -1 before the first")
        .register(registry);
    upstreamOpened =
        Counter.builder("nodemesh.upstream.connections.opened")
            .description("Upstream connections opened to endpoints")
            .register(registry);
  }

  /** The meters of one listener; resolved when a config is compiled, not per request. */
  public ListenerMetrics listener(String namespace, String service, int port) {
    return new ListenerMetrics(registry, namespace, service, port);
  }

  public void upstreamOpened() {
    upstreamOpened.increment();
  }

  public void configVersion(long version) {
    configVersion.set(version);
  }

  /** The Prometheus text exposition of every meter. */
  public String scrape() {
    return registry.scrape();
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }
}
