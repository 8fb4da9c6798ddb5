package io.nodemesh.config;

import java.util.List;
import java.util.Objects;

/**
 * What may reach one listener.
 *
 * @param listener the listener's key, {@code namespace/service:port}
 * @param destinations the service accounts ({@code namespace/name}) of the pods behind the
 *     listener's ready endpoints (root and split backends); a request must be allowed for every one
 *     of them, since any of them may serve it
 * @param grants what the TrafficTargets naming one of those destinations allow
 */
public record ListenerAccess(String listener, List<String> destinations, List<AccessGrant> grants) {
  public ListenerAccess {
    Objects.requireNonNull(listener, "access listener key");
    destinations = destinations == null ? List.of() : List.copyOf(destinations);
    grants = grants == null ? List.of() : List.copyOf(grants);
  }
}
