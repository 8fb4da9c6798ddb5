package io.nodemesh.proxy.balance;

import io.nodemesh.config.EndpointConfig;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@link EndpointState} of every endpoint the proxy knows, by {@code ip:port}, kept across
 * configs: a pod listed by two Services, or by a root and a split backend, has one state. Pruned to
 * the endpoints of the config in force when a new one is applied.
 */
public final class EndpointRegistry {
  private final Map<String, EndpointState> states = new ConcurrentHashMap<>();

  /** The state of an endpoint, created on first sight. */
  public EndpointState state(EndpointConfig endpoint) {
    EndpointState s = states.get(endpoint.authority());
    if (s != null) {
      return s;
    }
    return states.computeIfAbsent(
        endpoint.authority(), k -> new EndpointState(Target.of(endpoint)));
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
