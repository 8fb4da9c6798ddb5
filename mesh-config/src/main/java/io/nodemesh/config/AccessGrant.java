package io.nodemesh.config;

import java.util.List;
import java.util.Objects;

/**
 * One rule of one TrafficTarget, as it applies to one listener.
 *
 * @param trafficTarget {@code namespace/name} of the TrafficTarget
 * @param rule the rule, e.g. {@code HTTPRouteGroup shop/api-routes} or {@code TCPRoute shop/db}
 * @param destination the TrafficTarget's destination service account, {@code namespace/name}
 * @param sources the service accounts allowed, {@code namespace/name}
 * @param matches the HTTP matches allowed (OR); empty means every request or connection on the port
 *     (a TCPRoute or UDPRoute whose ports include it)
 */
public record AccessGrant(
    String trafficTarget,
    String rule,
    String destination,
    List<String> sources,
    List<HttpMatch> matches) {
  public AccessGrant {
    Objects.requireNonNull(trafficTarget, "access grant trafficTarget");
    Objects.requireNonNull(rule, "access grant " + trafficTarget + " rule");
    Objects.requireNonNull(destination, "access grant " + trafficTarget + " destination");
    sources = sources == null ? List.of() : List.copyOf(sources);
    matches = matches == null ? List.of() : List.copyOf(matches);
  }
}
