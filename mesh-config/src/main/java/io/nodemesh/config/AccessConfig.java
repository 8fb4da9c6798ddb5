package io.nodemesh.config;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The access part of a {@link MeshConfig}, evaluated by {@link
 * io.nodemesh.config.access.AccessPolicy}.
 *
 * @param enabled ACL mode: when false every connection is allowed and the rest is ignored
 * @param identities pod IP to {@code namespace/serviceAccount} of the one live pod that holds it;
 *     IPs of host-network, terminating, finished or ambiguous pods are left out on purpose (see
 *     docs/access-control.md); kept as an {@link Identities}
 * @param listeners what the TrafficTargets grant on each listener; a listener without an entry
 *     allows nothing
 */
public record AccessConfig(
    boolean enabled, Map<String, String> identities, List<ListenerAccess> listeners) {
  private static final AccessConfig DISABLED = new AccessConfig(false, Map.of(), List.of());

  public AccessConfig {
    identities = Identities.of(identities);
    listeners = listeners == null ? List.of() : List.copyOf(listeners);
    Set<String> keys = new HashSet<>();
    for (ListenerAccess l : listeners) {
      Objects.requireNonNull(l, "access listener");
      if (!keys.add(l.listener())) {
        throw new IllegalArgumentException("access listener " + l.listener() + " twice");
      }
    }
  }

  /** ACL mode off: everything allowed. */
  public static AccessConfig disabled() {
    return DISABLED;
  }
}
