package io.nodemesh.proxy.listener;

import io.nodemesh.config.HttpMatch;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.RouteRule;
import io.nodemesh.proxy.acl.AccessGuard;
import io.nodemesh.proxy.balance.CompiledRoute;
import io.nodemesh.proxy.metrics.ListenerMetrics;
import io.nodemesh.proxy.metrics.ObservedListener;
import io.nodemesh.proxy.route.RouteRules;
import java.util.HashSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * A listener ready for the request path.
 *
 * @param config what the controller sent
 * @param route its compiled route with the balancing state of this config
 * @param metrics its meters
 * @param access its access control (ACL mode), open when off
 * @param singleHeaders the lower-case names of the header fields that its access rules and its
 *     TrafficSplit matches look at, which a request may hold at most once each
 * @param rules its Gateway API route rules, {@link RouteRules#NONE} when it has none
 */
public record CompiledListener(
    ListenerConfig config,
    CompiledRoute route,
    ListenerMetrics metrics,
    AccessGuard access,
    Set<String> singleHeaders,
    RouteRules rules)
    implements ObservedListener {
  public CompiledListener {
    access = access == null ? AccessGuard.open() : access;
    rules = rules == null ? RouteRules.NONE : rules;
    singleHeaders = singleHeaders == null ? Set.of() : Set.copyOf(singleHeaders);
    Objects.requireNonNull(config, "compiled listener config");
    Objects.requireNonNull(route, "compiled listener " + config.key() + " route");
    Objects.requireNonNull(metrics, "compiled listener " + config.key() + " metrics");
  }

  public CompiledListener(
      ListenerConfig config,
      CompiledRoute route,
      ListenerMetrics metrics,
      AccessGuard access,
      Set<String> singleHeaders) {
    this(config, route, metrics, access, singleHeaders, RouteRules.NONE);
  }

  /** A listener with route rules, whose single headers are the ones its matches name. */
  public CompiledListener(
      ListenerConfig config,
      CompiledRoute route,
      ListenerMetrics metrics,
      AccessGuard access,
      RouteRules rules) {
    this(config, route, metrics, access, namedHeaders(config, access), rules);
  }

  /** A listener whose single headers are the ones its rules and matches name. */
  public CompiledListener(
      ListenerConfig config, CompiledRoute route, ListenerMetrics metrics, AccessGuard access) {
    this(config, route, metrics, access, namedHeaders(config, access));
  }

  /** A listener with ACL mode off. */
  public CompiledListener(ListenerConfig config, CompiledRoute route, ListenerMetrics metrics) {
    this(config, route, metrics, AccessGuard.open());
  }

  private static Set<String> namedHeaders(ListenerConfig config, AccessGuard access) {
    Set<String> names = new HashSet<>();
    for (HttpMatch m : config.route().matches()) {
      for (String h : m.headers().keySet()) {
        names.add(h.toLowerCase(Locale.ROOT));
      }
    }
    // Gateway API rule matches read one value of a header too (issue 17).
    for (RouteRule r : config.route().rules()) {
      for (RouteRule.Match m : r.matches()) {
        for (RouteRule.ValueMatch h : m.headers()) {
          names.add(h.name());
        }
      }
    }
    if (access != null) {
      for (String h : access.headerNames()) {
        names.add(h.toLowerCase(Locale.ROOT));
      }
    }
    return names;
  }
}
