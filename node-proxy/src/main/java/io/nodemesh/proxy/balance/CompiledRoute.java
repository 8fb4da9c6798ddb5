package io.nodemesh.proxy.balance;

import io.netty.handler.codec.http.HttpHeaders;
import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.Protocol;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.config.ServicePolicy;
import io.nodemesh.proxy.metrics.ListenerMetrics;
import io.nodemesh.proxy.resilience.CircuitBreaker;
import io.nodemesh.proxy.resilience.Idempotent;
import io.nodemesh.proxy.resilience.RateLimiter;
import io.nodemesh.proxy.resilience.RetryBudget;
import java.net.InetAddress;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.Predicate;

/**
 * A listener's {@link RouteConfig} ready for the request path: matches compiled, split weights
 * turned into a smooth weighted round robin, each backend with its balancer and circuit breaker,
 * the listener's rate limiter and retry budget. In order: rate limit, split, circuit breaker,
 * endpoint. The balancing state of a pick lives and dies with the compiled listener (a new config
 * that leaves the listener unchanged keeps it); endpoint, breaker, budget and limiter states come
 * from the {@link ResilienceRegistry} and outlive it.
 */
public final class CompiledRoute {
  private final String namespace;
  private final ServicePolicy policy;
  private final CompiledBackend root;
  private final List<CompiledBackend> split;
  private final List<CompiledMatch> matches;
  private final SmoothWeightedRoundRobin weights;
  private final boolean weighted;
  private final CircuitBreaker rootBreaker;
  private final List<CircuitBreaker> splitBreakers;
  private final RateLimiter limiter;
  private final RetryBudget budget;

  /** A route with the default policy and state of its own (tests, tools). */
  public CompiledRoute(String namespace, RouteConfig config) {
    this(
        new ListenerConfig(namespace, "route", 1, Protocol.HTTP, 1, config),
        new ResilienceRegistry(null));
  }

  public CompiledRoute(ListenerConfig listener, ResilienceRegistry registry) {
    this(listener, registry, null);
  }

  /**
   * @param meters where breaker state and ejected endpoints are shown; null for none
   */
  public CompiledRoute(
      ListenerConfig listener, ResilienceRegistry registry, ListenerMetrics meters) {
    RouteConfig config = listener.route();
    this.namespace = listener.namespace();
    this.policy = listener.policy();
    this.root = backend(listener.key(), config.root(), registry, meters);
    this.split =
        config.split().stream().map(b -> backend(listener.key(), b, registry, meters)).toList();
    this.matches = config.matches().stream().map(CompiledMatch::new).toList();
    // A backend with no usable endpoint gives its share to those that can serve (docs/smi.md,
    // issue 17): a crash-looping 10% canary must not fail 10% of the requests.
    this.weights =
        new SmoothWeightedRoundRobin(
            split.stream().mapToInt(b -> b.readyCount() == 0 ? 0 : b.weight()).toArray());
    this.weighted = split.stream().anyMatch(b -> b.weight() > 0);
    if (meters != null) {
      for (CompiledBackend b : split) {
        if (b.weight() > 0) {
          meters.splitBackendUnavailable(b.service(), b.readyCount() == 0);
        }
      }
    }
    String key = listener.key();
    this.rootBreaker = breaker(registry, key, root.service(), meters);
    this.splitBreakers =
        split.stream().map(b -> breaker(registry, key, b.service(), meters)).toList();
    this.limiter = registry.limiter(key, policy.rateLimit());
    this.budget = registry.budget(key, policy.retry());
  }

  private CompiledBackend backend(
      String listenerKey, BackendConfig b, ResilienceRegistry registry, ListenerMetrics meters) {
    CompiledBackend c = new CompiledBackend(b, policy, registry.endpoints(), registry.nodeName());
    if (meters != null) {
      // The gauge appears with a backend's first ejection, so healthy backends add no series.
      String key = listenerKey + ">" + b.service();
      c.onEjectedCount(
          n -> {
            registry.ejectionSeen(key);
            meters.ejectedEndpoints(b.service(), n);
          },
          registry.hasSeenEjection(key));
    }
    return c;
  }

  private CircuitBreaker breaker(
      ResilienceRegistry registry, String key, String service, ListenerMetrics meters) {
    CircuitBreaker b = registry.breaker(key, service, policy.circuitBreaker());
    if (b != null && meters != null) {
      registry.onStateChange(b, open -> meters.circuitBreakerOpen(service, open));
    }
    return b;
  }

  public ServicePolicy policy() {
    return policy;
  }

  /**
   * Picks a backend and an endpoint for one request, without a source address.
   *
   * @param method upper-case method
   * @param path origin-form path, without query
   * @param headers request headers
   */
  public Pick pick(String method, String path, HttpHeaders headers) {
    return pick(method, path, headers, null);
  }

  /**
   * Picks a backend and an endpoint for one request.
   *
   * @param source the client's IP (per-source rate limit, source-ip hash), or null
   */
  public Pick pick(String method, String path, HttpHeaders headers, InetAddress source) {
    return pick(method, path, headers, source, null);
  }

  /**
   * Picks a backend and an endpoint for one request, among the pods {@code pods} accepts (ACL mode:
   * those whose service account allows the caller), or any when null.
   */
  public Pick pick(
      String method,
      String path,
      HttpHeaders headers,
      InetAddress source,
      Predicate<InetAddress> pods) {
    return pick(
        !split.isEmpty() && splitApplies(method, path, headers),
        headers,
        source,
        Idempotent.method(method),
        pods);
  }

  /**
   * Picks a backend and an endpoint for one TCP connection or UDP session. A connection carries no
   * HTTP request, so it matches none of the split's HTTP matches: with matches it goes to the root
   * (SMI: traffic that matches nothing goes to the root Service); without, it is split by weight.
   * The controller sends a TCPRoute or UDPRoute match that selects the port as a split without
   * matches.
   */
  public Pick pickConnection() {
    return pickConnection(null);
  }

  public Pick pickConnection(InetAddress source) {
    return pickConnection(source, null);
  }

  /** As {@link #pickConnection(InetAddress)}, among the pods {@code pods} accepts, or any. */
  public Pick pickConnection(InetAddress source, Predicate<InetAddress> pods) {
    return pick(!split.isEmpty() && matches.isEmpty(), null, source, false, pods);
  }

  private Pick pick(
      boolean useSplit,
      HttpHeaders headers,
      InetAddress source,
      boolean idempotent,
      Predicate<InetAddress> pods) {
    Predicate<EndpointState> only =
        pods == null ? null : s -> pods.test(s.target().address().getAddress());
    if (limiter != null && !limiter.tryAcquire(source)) {
      return new Pick.Unavailable(
          "rate limit of service "
              + namespace
              + "/"
              + root.service()
              + " exceeded ("
              + limiter.policy().average()
              + "/s)",
          Pick.Unavailable.TOO_MANY_REQUESTS);
    }
    CompiledBackend backend = root;
    CircuitBreaker breaker = rootBreaker;
    if (useSplit) {
      int i = weights.pick();
      if (i < 0) {
        return new Pick.Unavailable(
            (weighted
                    ? "no ready endpoint in any backend with weight > 0"
                    : "no backend with weight > 0")
                + " for service "
                + namespace
                + "/"
                + root.service());
      }
      if (only != null && !split.get(i).serves(only)) {
        // Its pods do not admit this caller: the heaviest backend that has one does.
        i = heaviestServing(only);
        if (i < 0) {
          return notAllowed(root);
        }
      }
      backend = split.get(i);
      breaker = splitBreakers.get(i);
    }
    long now = System.nanoTime();
    OptionalLong key = backend.key(headers, source);
    EndpointState first = backend.choose(key, null, now, only);
    if (first == null) {
      if (only != null && backend.readyCount() > 0) {
        return notAllowed(backend);
      }
      return new Pick.Unavailable(
          "no ready endpoint for service " + namespace + "/" + backend.service());
    }
    CircuitBreaker.Permit permit = breaker == null ? null : breaker.tryAcquire(now);
    if (permit == CircuitBreaker.Permit.DENIED) {
      return new Pick.Unavailable(
          "circuit breaker open for service " + namespace + "/" + backend.service());
    }
    Call call =
        Call.start(
            backend.service(),
            backend,
            policy,
            breaker,
            permit,
            budget,
            key,
            idempotent,
            first,
            only);
    return new Pick.Forward(backend.service(), first.target(), call);
  }

  private int heaviestServing(Predicate<EndpointState> only) {
    int best = -1;
    for (int j = 0; j < split.size(); j++) {
      CompiledBackend b = split.get(j);
      if (b.weight() > 0 && (best < 0 || b.weight() > split.get(best).weight()) && b.serves(only)) {
        best = j;
      }
    }
    return best;
  }

  private Pick notAllowed(CompiledBackend backend) {
    return new Pick.Unavailable(
        "no pod of service "
            + namespace
            + "/"
            + backend.service()
            + " runs under a service account that allows this caller",
        Pick.Unavailable.FORBIDDEN);
  }

  private boolean splitApplies(String method, String path, HttpHeaders headers) {
    if (matches.isEmpty()) {
      return true;
    }
    for (CompiledMatch m : matches) {
      if (m.matches(method, path, headers)) {
        return true;
      }
    }
    return false;
  }
}
