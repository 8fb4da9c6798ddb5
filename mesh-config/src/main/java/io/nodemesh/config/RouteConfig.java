package io.nodemesh.config;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Where a listener sends traffic.
 *
 * <ul>
 *   <li>{@code rules} set (Gateway API routes attached to the Service, HTTP listeners only): the
 *       first rule that matches decides, and a request that matches no rule gets 404 (Gateway API:
 *       "a 404 status code MUST be returned" when no rule matches). {@code split} and {@code
 *       matches} are then not used for HTTP.
 *   <li>{@code split} empty: everything goes to {@code root}, the Service's own endpoints.
 *   <li>{@code split} set, {@code matches} empty: everything is split by weight.
 *   <li>both set: requests matching any of {@code matches} are split, the rest go to {@code root}.
 * </ul>
 *
 * @param root the called Service itself, with its own endpoints
 * @param split the TrafficSplit backends, or empty
 * @param matches the TrafficSplit's HTTPRouteGroup matches, or empty for "all requests"
 * @param splitName "namespace/name" of the TrafficSplit in force, or null
 * @param rules Gateway API route rules in precedence order (the controller sorts them), or empty
 */
public record RouteConfig(
    BackendConfig root,
    List<BackendConfig> split,
    List<HttpMatch> matches,
    @Nullable String splitName,
    List<RouteRule> rules) {
  /** Most rules one listener carries (all routes attached to the Service port together). */
  public static final int MAX_RULES = 256;

  public RouteConfig {
    Objects.requireNonNull(root, "route root");
    split = split == null ? List.of() : List.copyOf(split);
    matches = matches == null ? List.of() : List.copyOf(matches);
    rules = rules == null ? List.of() : List.copyOf(rules);
    if (rules.size() > MAX_RULES) {
      throw new IllegalArgumentException(
          "route of " + root.service() + ": " + rules.size() + " rules, at most " + MAX_RULES);
    }
    Set<String> names = new HashSet<>();
    long steps = 0;
    for (RouteRule r : rules) {
      if (!names.add(r.name())) {
        throw new IllegalArgumentException(
            "route of " + root.service() + ": rule name " + r.name() + " is used twice");
      }
      steps += r.regexSteps();
    }
    // A request that matches no rule pays for every regex of every rule: bound the sum (issue 13).
    if (steps > TenantRegex.MAX_ROUTE_STEPS) {
      throw new IllegalArgumentException(
          "route of "
              + root.service()
              + ": the rules' regexes add up to "
              + steps
              + " steps, at most "
              + TenantRegex.MAX_ROUTE_STEPS);
    }
  }

  /** An SMI route without Gateway API rules. */
  public RouteConfig(
      BackendConfig root,
      List<BackendConfig> split,
      List<HttpMatch> matches,
      @Nullable String splitName) {
    this(root, split, matches, splitName, List.of());
  }

  /** A route with no split: all traffic to the Service's own endpoints. */
  public static RouteConfig direct(BackendConfig root) {
    return new RouteConfig(root, List.of(), List.of(), null, List.of());
  }

  /**
   * Every backend this route can send to: the root, the split, and the rules' backends and mirror
   * targets. The one list for code that must know every endpoint a listener may dial (the tunnel's
   * local targets, the accounts with pods on a node), so a new kind of backend is added here once.
   */
  public List<BackendConfig> allBackends() {
    List<BackendConfig> out = new ArrayList<>(1 + split.size() + rules.size());
    out.add(root);
    out.addAll(split);
    for (RouteRule r : rules) {
      out.addAll(r.backends());
      for (RouteFilter f : r.filters()) {
        if (f instanceof RouteFilter.RequestMirror m) {
          out.add(m.backend());
        }
      }
    }
    return out;
  }

  /** This route with Gateway API {@code rules} in force. */
  public RouteConfig withRules(List<RouteRule> rules) {
    return new RouteConfig(root, split, matches, splitName, rules);
  }
}
