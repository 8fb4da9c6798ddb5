package io.nodemesh.proxy.balance;

import io.nodemesh.config.EndpointConfig;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@link EndpointState} of every endpoint the proxy knows, by {@code ip:port}, kept across
 * configs: a pod listed by two Services, or by a root and a split backend, has one state. Pruned to
 * the endpoints of the config in force when a new one is applied. A draft (of a {@link
 * ResilienceRegistry#draft()}) finds its base's states and keeps the ones it creates to itself.
 */
public final class EndpointRegistry {
  private final EndpointRegistry base;
  private final Map<String, EndpointState> states;

  public EndpointRegistry() {
    this.base = null;
    this.states = new ConcurrentHashMap<>();
  }

  EndpointRegistry(EndpointRegistry base) {
    this.base = base;
    this.states = new HashMap<>();
  }

  /** The state of an endpoint, created on first sight. */
  public EndpointState state(EndpointConfig endpoint) {
    EndpointState s = states.get(endpoint.authority());
    if (s != null) {
      return s;
    }
    if (base != null && (s = base.states.get(endpoint.authority())) != null) {
      return s;
    }
    return states.computeIfAbsent(
        endpoint.authority(), k -> new EndpointState(Target.of(endpoint)));
  }

  /** A draft's created states, taken out of it. */
  Map<String, EndpointState> takeCreated() {
    Map<String, EndpointState> out = Map.copyOf(states);
    states.clear();
    return out;
  }

  /** Keeps states a draft created. */
  void adopt(Map<String, EndpointState> created) {
    states.putAll(created);
  }

  /** Forgets endpoints not in {@code live}. */
  public void retain(Set<String> live) {
    states.keySet().retainAll(live);
  }

  /** Forgets the endpoints in {@code gone}. */
  public void forget(Set<String> gone) {
    states.keySet().removeAll(gone);
  }

  public int size() {
    return states.size();
  }
}
