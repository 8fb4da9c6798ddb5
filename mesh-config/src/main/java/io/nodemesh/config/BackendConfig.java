package io.nodemesh.config;

import java.util.List;
import java.util.Objects;

/**
 * A Service that receives traffic, with its relative weight and its endpoints already resolved, so
 * the proxy forwards straight to pods (no second proxy hop on a split).
 *
 * @param service the Service name, in the listener's namespace
 * @param weight relative weight, 0 or more; 0 means it gets nothing
 * @param endpoints the Service's endpoints for the listener's port (target ports resolved)
 */
public record BackendConfig(String service, int weight, List<EndpointConfig> endpoints) {
  public BackendConfig {
    Objects.requireNonNull(service, "backend service");
    if (weight < 0) {
      throw new IllegalArgumentException(
          "backend " + service + ": weight " + weight + " is negative");
    }
    endpoints = endpoints == null ? List.of() : List.copyOf(endpoints);
  }
}
