package io.nodemesh.proxy.listener;

import io.nodemesh.config.ListenerConfig;
import io.nodemesh.proxy.balance.CompiledRoute;
import io.nodemesh.proxy.metrics.ListenerMetrics;
import java.util.Objects;

/**
 * A listener ready for the request path.
 *
 * @param config what the controller sent
 * @param route its compiled route with the balancing state of this config
 * @param metrics its meters
 */
public record CompiledListener(
    ListenerConfig config, CompiledRoute route, ListenerMetrics metrics) {
  public CompiledListener {
    Objects.requireNonNull(config, "compiled listener config");
    Objects.requireNonNull(route, "compiled listener " + config.key() + " route");
    Objects.requireNonNull(metrics, "compiled listener " + config.key() + " metrics");
  }
}
