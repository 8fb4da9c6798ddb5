package io.nodemesh.controller.gamma;

import io.nodemesh.config.HttpMatch;
import java.util.List;
import java.util.Objects;

/**
 * One rule of an HTTPRoute or GRPCRoute attached to a Service, validated and with its matches in
 * the proxy's form.
 *
 * @param route which route it comes from (for problems, status and explain)
 * @param index the rule's index in {@code spec.rules}
 * @param matches its matches, OR; empty means every request (the spec's implicit {@code PathPrefix
 *     /})
 * @param order the sort key of its most specific match (Gateway API rule precedence)
 * @param backends its backendRefs that resolved, with their weights
 * @param requestMillis {@code timeouts.request} in milliseconds, 0 when unset
 * @param backendRequestMillis {@code timeouts.backendRequest} in milliseconds, 0 when unset
 * @param retryAttempts {@code retry.attempts} (experimental channel), 0 when unset
 * @param retryBackoffMillis {@code retry.backoff} in milliseconds, 0 when unset
 */
public record GammaRule(
    RouteRef route,
    int index,
    List<HttpMatch> matches,
    MatchOrder order,
    List<WeightedBackend> backends,
    long requestMillis,
    long backendRequestMillis,
    int retryAttempts,
    long retryBackoffMillis) {

  public GammaRule {
    Objects.requireNonNull(route, "rule route");
    matches = List.copyOf(matches);
    backends = List.copyOf(backends);
  }

  /** A backendRef that resolved to a Service of the route's namespace. */
  public record WeightedBackend(String service, int port, int weight) {}

  /**
   * Whether this rule sends traffic the same way as {@code o}: same backends, weights, timeouts and
   * retries. Today's listener route holds one weighted split per port, so only rules that agree on
   * these can share a port (docs/gateway-api.md, "What one Service port can hold").
   */
  boolean sameTreatment(GammaRule o) {
    return backends.equals(o.backends)
        && requestMillis == o.requestMillis
        && backendRequestMillis == o.backendRequestMillis
        && retryAttempts == o.retryAttempts
        && retryBackoffMillis == o.retryBackoffMillis;
  }

  /** Whether it sets a timeout or a retry. */
  boolean hasPolicy() {
    return requestMillis > 0 || backendRequestMillis > 0 || retryAttempts > 0;
  }
}
