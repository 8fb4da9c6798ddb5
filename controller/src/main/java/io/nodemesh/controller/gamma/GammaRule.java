package io.nodemesh.controller.gamma;

import io.nodemesh.config.RouteFilter;
import io.nodemesh.config.RouteRule;
import java.util.List;
import java.util.Objects;

/**
 * One rule of an HTTPRoute or GRPCRoute attached to a Service, validated and in the proxy's terms,
 * except for what needs the listener's port to resolve (backend and mirror endpoints).
 *
 * @param route which route it comes from (for problems, status and explain)
 * @param index the rule's index in {@code spec.rules}
 * @param match the index of its one match in the rule's {@code matches} when the rule has several
 *     (each match is ranked on its own, as the spec orders matches, not rules), else -1
 * @param matches its matches, OR; empty means every request (the spec's implicit {@code PathPrefix
 *     /})
 * @param order the sort key of its most specific match (Gateway API rule precedence)
 * @param filters its filters in order; mirrors still to be resolved
 * @param backends its backendRefs that resolved, with their weights
 * @param refusedWeight the summed weight of the backendRefs that did not resolve (answered 500)
 * @param timeouts {@code timeouts}, or null
 * @param retry {@code retry} (experimental channel), or null
 * @param fault fault injection from the route's annotations, or null
 */
public record GammaRule(
    RouteRef route,
    int index,
    int match,
    List<RouteRule.Match> matches,
    MatchOrder order,
    List<Filter> filters,
    List<WeightedBackend> backends,
    int refusedWeight,
    RouteRule.Timeouts timeouts,
    RouteRule.Retry retry,
    RouteRule.Fault fault) {

  public GammaRule {
    Objects.requireNonNull(route, "rule route");
    matches = List.copyOf(matches);
    filters = List.copyOf(filters);
    backends = List.copyOf(backends);
  }

  /** A backendRef that resolved to a Service of the route's namespace; port 0 = listener's. */
  public record WeightedBackend(String service, int port, int weight) {}

  /** A filter: complete, or a mirror whose endpoints the listener resolves. */
  public sealed interface Filter {}

  /** A filter that needs nothing more. */
  public record Ready(RouteFilter filter) implements Filter {}

  /** A RequestMirror to a Service of the route's namespace; port 0 = listener's. */
  public record Mirror(String service, int port, double percent) implements Filter {}

  /**
   * The rule's name in the proxy config and in metrics: {@code namespace/name#index} for an
   * HTTPRoute, {@code grpc:namespace/name#index} for a GRPCRoute (CONTRACT-routes.md), with {@code
   * .match} appended when a rule with several matches was split into one entry per match.
   */
  public String name() {
    return ("GRPCRoute".equals(route.kind()) ? "grpc:" : "")
        + route.namespace()
        + "/"
        + route.name()
        + "#"
        + index
        + (match < 0 ? "" : "." + match);
  }
}
