package io.nodemesh.proxy.balance;

import io.nodemesh.config.ServicePolicy;
import io.nodemesh.proxy.resilience.CircuitBreaker;
import io.nodemesh.proxy.resilience.RateLimiter;
import io.nodemesh.proxy.resilience.RetryBudget;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The balancing and resilience state that outlives a config: endpoint states, circuit breakers (per
 * listener and backend Service), retry budgets and rate limiters (per listener). A new config keeps
 * an object while its policy is unchanged, so a weight change does not close an open circuit or
 * refill a rate limit; a changed policy starts afresh.
 *
 * <p>A compile works on a {@link #draft()}: it reads this registry and keeps what it creates or
 * drops to itself, so a config that fails to compile leaves no trace here. {@link #commit} makes a
 * compiled config's {@link Changes} this registry's.
 */
public final class ResilienceRegistry {
  private final String nodeName;
  private final EndpointRegistry endpoints;
  private final Layer<CircuitBreaker> breakers;
  private final Layer<RetryBudget> budgets;
  private final Layer<ServicePolicy.Retry> budgetPolicies;
  private final Layer<RateLimiter> limiters;
  // Written by the event loops at an ejection, so drafts share their registry's set.
  private final Set<String> ejectionsSeen;
  // A draft's breaker watchers, bound at the commit: a breaker in force may be one of them.
  private final List<Watch> watches;

  /**
   * @param nodeName the proxy's node (for same-node preference), or null
   */
  public ResilienceRegistry(String nodeName) {
    this.nodeName = nodeName;
    this.endpoints = new EndpointRegistry();
    this.breakers = new Layer<>(null);
    this.budgets = new Layer<>(null);
    this.budgetPolicies = new Layer<>(null);
    this.limiters = new Layer<>(null);
    this.ejectionsSeen = ConcurrentHashMap.newKeySet();
    this.watches = null;
  }

  private ResilienceRegistry(ResilienceRegistry base) {
    this.nodeName = base.nodeName;
    this.endpoints = new EndpointRegistry(base.endpoints);
    this.breakers = new Layer<>(base.breakers);
    this.budgets = new Layer<>(base.budgets);
    this.budgetPolicies = new Layer<>(base.budgetPolicies);
    this.limiters = new Layer<>(base.limiters);
    this.ejectionsSeen = base.ejectionsSeen;
    this.watches = new ArrayList<>();
  }

  /**
   * A registry for one compile: it finds this one's state objects, and keeps new and replaced ones
   * (and removals) to itself until {@link #changes()} hands them to {@link #commit}.
   */
  public ResilienceRegistry draft() {
    return new ResilienceRegistry(this);
  }

  public String nodeName() {
    return nodeName;
  }

  public EndpointRegistry endpoints() {
    return endpoints;
  }

  /** The breaker of a listener's backend, or null when the policy has none. */
  public CircuitBreaker breaker(
      String listenerKey, String service, ServicePolicy.CircuitBreaker p) {
    String key = listenerKey + ">" + service;
    if (!p.enabled()) {
      breakers.remove(key);
      return null;
    }
    return kept(breakers, key, p, CircuitBreaker::policy, CircuitBreaker::new);
  }

  /** The retry budget of a listener, or null when it does not retry. */
  public RetryBudget budget(String listenerKey, ServicePolicy.Retry p) {
    if (p.attempts() == 0) {
      budgets.remove(listenerKey);
      budgetPolicies.remove(listenerKey);
      return null;
    }
    ServicePolicy.Retry old = budgetPolicies.get(listenerKey);
    budgetPolicies.put(listenerKey, p);
    if (!p.equals(old)) {
      budgets.put(listenerKey, new RetryBudget(p));
    }
    return budgets.get(listenerKey);
  }

  /** The rate limiter of a listener, or null when it has none. */
  public RateLimiter limiter(String listenerKey, ServicePolicy.RateLimit p) {
    if (!p.enabled()) {
      limiters.remove(listenerKey);
      return null;
    }
    return kept(limiters, listenerKey, p, RateLimiter::policy, RateLimiter::new);
  }

  /** The object held for {@code key} while its policy is still {@code p}, else a new one. */
  private static <V, P> V kept(
      Layer<V> layer, String key, P p, Function<V, P> policyOf, Function<P, V> create) {
    V old = layer.get(key);
    if (old != null && policyOf.apply(old).equals(p)) {
      return old;
    }
    V fresh = create.apply(p);
    layer.put(key, fresh);
    return fresh;
  }

  /**
   * Shows a breaker's state to {@code watcher} from now on; a draft does so only once committed, so
   * that a compile never rewires a breaker in force.
   */
  public void onStateChange(CircuitBreaker breaker, Consumer<Boolean> watcher) {
    if (watches == null) {
      breaker.onStateChange(watcher);
    } else {
      watches.add(new Watch(breaker, watcher));
    }
  }

  /** Notes that a listener's backend ({@code listenerKey>service}) has had an ejection. */
  public void ejectionSeen(String backendKey) {
    ejectionsSeen.add(backendKey);
  }

  public boolean hasSeenEjection(String backendKey) {
    return ejectionsSeen.contains(backendKey);
  }

  /**
   * What this draft created, replaced and removed, taken out of it (the draft is empty after).
   *
   * @throws IllegalStateException when this is not a draft
   */
  public Changes changes() {
    if (breakers.base == null) {
      throw new IllegalStateException("only a draft has changes");
    }
    Changes c =
        new Changes(
            endpoints.takeCreated(),
            breakers.take(),
            budgets.take(),
            budgetPolicies.take(),
            limiters.take(),
            watches);
    watches.clear();
    return c;
  }

  /** Makes a draft's changes this registry's: the commit step of a config. */
  public void commit(Changes changes) {
    endpoints.adopt(changes.endpoints());
    changes.breakers().applyTo(breakers.own);
    changes.budgets().applyTo(budgets.own);
    changes.budgetPolicies().applyTo(budgetPolicies.own);
    changes.limiters().applyTo(limiters.own);
    changes.watches().forEach(w -> w.breaker().onStateChange(w.watcher()));
  }

  /**
   * Forgets what the config in force no longer names.
   *
   * @param listenerKeys keys of its listeners
   * @param breakerKeys {@code listenerKey>service} of its backends
   * @param authorities {@code ip:port} of its endpoints
   */
  public void retain(Set<String> listenerKeys, Set<String> breakerKeys, Set<String> authorities) {
    breakers.own.keySet().retainAll(breakerKeys);
    ejectionsSeen.retainAll(breakerKeys);
    budgets.own.keySet().retainAll(listenerKeys);
    budgetPolicies.own.keySet().retainAll(listenerKeys);
    limiters.own.keySet().retainAll(listenerKeys);
    endpoints.retain(authorities);
  }

  /**
   * Forgets what a config no longer names, given as what it dropped (the incremental form of {@link
   * #retain}).
   *
   * @param listenerKeys keys of listeners no longer in the config
   * @param breakerKeys {@code listenerKey>service} of backends no longer in it
   * @param authorities {@code ip:port} of endpoints no longer in it
   */
  public void forget(Set<String> listenerKeys, Set<String> breakerKeys, Set<String> authorities) {
    breakers.own.keySet().removeAll(breakerKeys);
    ejectionsSeen.removeAll(breakerKeys);
    budgets.own.keySet().removeAll(listenerKeys);
    budgetPolicies.own.keySet().removeAll(listenerKeys);
    limiters.own.keySet().removeAll(listenerKeys);
    endpoints.forget(authorities);
  }

  /**
   * What one compile created, replaced and removed; immutable.
   *
   * @param endpoints endpoint states created, by {@code ip:port}
   * @param watches breaker watchers to bind, in compile order (the last one of a breaker wins)
   */
  public record Changes(
      Map<String, EndpointState> endpoints,
      Edits<CircuitBreaker> breakers,
      Edits<RetryBudget> budgets,
      Edits<ServicePolicy.Retry> budgetPolicies,
      Edits<RateLimiter> limiters,
      List<Watch> watches) {
    public Changes {
      endpoints = Map.copyOf(endpoints);
      watches = List.copyOf(watches);
    }
  }

  /** A breaker and who is shown its state. */
  public record Watch(CircuitBreaker breaker, Consumer<Boolean> watcher) {}

  /**
   * Puts and removals by key, disjoint; immutable.
   *
   * @param put keys set to a new value
   * @param removed keys removed
   */
  public record Edits<V>(Map<String, V> put, Set<String> removed) {
    public Edits {
      put = Map.copyOf(put);
      removed = Set.copyOf(removed);
    }

    void applyTo(Map<String, V> target) {
      target.keySet().removeAll(removed);
      target.putAll(put);
    }
  }

  /**
   * A map by key: the registry's own (concurrent), or a draft's writes over its base's, which it
   * reads but never writes.
   */
  private static final class Layer<V> {
    private final Layer<V> base;
    private final Map<String, V> own;
    private final Set<String> removed;

    Layer(Layer<V> base) {
      this.base = base;
      this.own = base == null ? new ConcurrentHashMap<>() : new HashMap<>();
      this.removed = base == null ? Set.of() : new HashSet<>();
    }

    V get(String key) {
      V v = own.get(key);
      if (v != null || base == null || removed.contains(key)) {
        return v;
      }
      return base.get(key);
    }

    void put(String key, V value) {
      own.put(key, value);
      if (base != null) {
        removed.remove(key);
      }
    }

    void remove(String key) {
      own.remove(key);
      if (base != null) {
        removed.add(key);
      }
    }

    Edits<V> take() {
      Edits<V> e = new Edits<>(own, removed);
      own.clear();
      removed.clear();
      return e;
    }
  }
}
