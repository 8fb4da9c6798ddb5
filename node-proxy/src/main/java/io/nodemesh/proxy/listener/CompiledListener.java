package io.nodemesh.proxy.listener;

import io.nodemesh.config.ListenerConfig;
import io.nodemesh.proxy.acl.AccessGuard;
import io.nodemesh.proxy.balance.CompiledRoute;
import io.nodemesh.proxy.metrics.ListenerMetrics;
import java.util.Objects;

/**
 * A listener ready for the request path.
 *
 * @param config what the controller sent
 * @param route its compiled route with the balancing state of this config
 * @param metrics its meters
 * @param access its access control (ACL mode), open when off
 */
public record CompiledListener(
    ListenerConfig config, CompiledRoute route, ListenerMetrics metrics, AccessGuard access) {
  public CompiledListener {
    access = access == null ? AccessGuard.open() : access;
    Objects.requireNonNull(config, "compiled listener config");
    Objects.requireNonNull(route, "compiled listener " + config.key() + " route");
    Objects.requireNonNull(metrics, "compiled listener " + config.key() + " metrics");
  }

  /** A listener with ACL mode off. */
  public CompiledListener(ListenerConfig config, CompiledRoute route, ListenerMetrics metrics) {
    this(config, route, metrics, AccessGuard.open());
  }
}
