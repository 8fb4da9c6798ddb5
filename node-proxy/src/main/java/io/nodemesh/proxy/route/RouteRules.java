package io.nodemesh.proxy.route;

import io.netty.handler.codec.http.HttpHeaders;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.RouteRule;
import io.nodemesh.proxy.balance.ResilienceRegistry;
import io.nodemesh.proxy.metrics.ListenerMetrics;
import io.nodemesh.proxy.metrics.RouteMeters;
import java.util.List;

/**
 * The Gateway API rules of one HTTP listener, in the controller's precedence order. When a listener
 * has rules they decide every HTTP request: the first rule that matches wins, and a request that no
 * rule matches is answered 404 (Gateway API); the listener's SMI split is then not used.
 */
public final class RouteRules {
  /** A listener without rules. */
  public static final RouteRules NONE = new RouteRules(new CompiledRule[0]);

  private final CompiledRule[] rules;

  private RouteRules(CompiledRule[] rules) {
    this.rules = rules;
  }

  /**
   * Compiles the rules of {@code listener}; {@link #NONE} when it has none or is not HTTP.
   *
   * @param routeMeters the proxy's route meters, or null for none
   */
  public static RouteRules compile(
      ListenerConfig listener,
      ResilienceRegistry registry,
      ListenerMetrics meters,
      RouteMeters routeMeters) {
    List<RouteRule> config = listener.route().rules();
    if (config.isEmpty() || !listener.protocol().servesHttp()) {
      return NONE;
    }
    CompiledRule[] rules = new CompiledRule[config.size()];
    for (int i = 0; i < rules.length; i++) {
      RouteRule r = config.get(i);
      RouteMeters.Meter meter =
          routeMeters == null
              ? null
              : routeMeters.meter(listener.namespace(), listener.service(), metricLabel(r.name()));
      rules[i] = new CompiledRule(r, listener, registry, meters, meter);
    }
    return new RouteRules(rules);
  }

  /**
   * The route label of a rule: its name, except that the parts of one Gateway API rule (the
   * controller sends a rule with several matches as one part per match, {@code ns/name#2.1}, so the
   * parts can be ordered by match precedence) share their rule's label {@code ns/name#2}.
   */
  static String metricLabel(String name) {
    int hash = name.lastIndexOf('#');
    int dot = name.lastIndexOf('.');
    if (hash < 0 || dot < hash + 2 || dot == name.length() - 1) {
      return name;
    }
    for (int i = hash + 1; i < name.length(); i++) {
      char c = name.charAt(i);
      if (i != dot && (c < '0' || c > '9')) {
        return name;
      }
    }
    return name.substring(0, dot);
  }

  /** Whether the listener has rules (and they, not the SMI split, route its HTTP requests). */
  public boolean active() {
    return rules.length > 0;
  }

  /**
   * The first rule that matches, or null when none does. Allocates nothing unless a query parameter
   * is matched by regex.
   *
   * @param method the request method, upper case
   * @param path the canonical path without query
   * @param uri the origin-form request target (its query is matched)
   */
  public CompiledRule first(String method, String path, String uri, HttpHeaders headers) {
    for (CompiledRule r : rules) {
      if (r.matches(method, path, uri, headers)) {
        return r;
      }
    }
    return null;
  }

  /** The rules, in order (tests, admin views). */
  public List<CompiledRule> rules() {
    return List.of(rules);
  }
}
