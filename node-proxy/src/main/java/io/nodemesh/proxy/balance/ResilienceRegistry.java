package io.nodemesh.proxy.balance;

import io.nodemesh.config.ServicePolicy;
import io.nodemesh.proxy.resilience.CircuitBreaker;
import io.nodemesh.proxy.resilience.RateLimiter;
import io.nodemesh.proxy.resilience.RetryBudget;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The balancing and resilience state that outlives a config: endpoint states, circuit breakers (per
 * listener and backend Service), retry budgets and rate limiters (per listener). A new config keeps
 * an object while its policy is unchanged, so a weight change does not close an open circuit or
 * refill a rate limit; a changed policy starts afresh.
 */
public final class ResilienceRegistry {
  private final String nodeName;
  private final EndpointRegistry endpoints = new EndpointRegistry();
  private final Map<String, CircuitBreaker> breakers = new ConcurrentHashMap<>();
  private final Map<String, RetryBudget> budgets = new ConcurrentHashMap<>();
  private final Map<String, ServicePolicy.Retry> budgetPolicies = new ConcurrentHashMap<>();
  private final Map<String, RateLimiter> limiters = new ConcurrentHashMap<>();
  private final Set<String> ejectionsSeen = ConcurrentHashMap.newKeySet();

  /**
   * @param nodeName the proxy's node (for same-node preference), or null
   */
  public ResilienceRegistry(String nodeName) {
    this.nodeName = nodeName;
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
    return breakers.compute(
        key, (k, old) -> old != null && old.policy().equals(p) ? old : new CircuitBreaker(p));
  }

  /** The retry budget of a listener, or null when it does not retry. */
  public RetryBudget budget(String listenerKey, ServicePolicy.Retry p) {
    if (p.attempts() == 0) {
      budgets.remove(listenerKey);
      budgetPolicies.remove(listenerKey);
      return null;
    }
    ServicePolicy.Retry old = budgetPolicies.put(listenerKey, p);
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
    return limiters.compute(
        listenerKey, (k, old) -> old != null && old.policy().equals(p) ? old : new RateLimiter(p));
  }

  /** Notes that a listener's backend ({@code listenerKey>service}) has had an ejection. */
  public void ejectionSeen(String backendKey) {
    ejectionsSeen.add(backendKey);
  }

  public boolean hasSeenEjection(String backendKey) {
    return ejectionsSeen.contains(backendKey);
  }

  /**
   * Forgets what the config in force no longer names.
   *
   * @param listenerKeys keys of its listeners
   * @param breakerKeys {@code listenerKey>service} of its backends
   * @param authorities {@code ip:port} of its endpoints
   */
  public void retain(Set<String> listenerKeys, Set<String> breakerKeys, Set<String> authorities) {
    breakers.keySet().retainAll(breakerKeys);
    ejectionsSeen.retainAll(breakerKeys);
    budgets.keySet().retainAll(listenerKeys);
    budgetPolicies.keySet().retainAll(listenerKeys);
    limiters.keySet().retainAll(listenerKeys);
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
    breakers.keySet().removeAll(breakerKeys);
    ejectionsSeen.removeAll(breakerKeys);
    budgets.keySet().removeAll(listenerKeys);
    budgetPolicies.keySet().removeAll(listenerKeys);
    limiters.keySet().removeAll(listenerKeys);
    endpoints.forget(authorities);
  }
}
