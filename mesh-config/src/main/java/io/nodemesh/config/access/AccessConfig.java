package io.nodemesh.config.access;

import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The access part of a {@link io.nodemesh.config.MeshConfig}.
 *
 * @param enabled ACL mode: when false every connection is allowed and the rest is ignored
 * @param identities pod IP to {@code namespace/serviceAccount} of the one live pod that holds it;
 *     IPs of host-network, terminating, finished or ambiguous pods are left out on purpose (see
 *     docs/access-control.md)
 * @param listeners what the TrafficTargets grant on each listener; a listener without an entry
 *     allows nothing
 */
public record AccessConfig(
    boolean enabled, Map<String, String> identities, List<ListenerAccess> listeners) {
  private static final AccessConfig DISABLED = new AccessConfig(false, Map.of(), List.of());

  public AccessConfig {
    // Not Map.copyOf: its linear probing turns the dense runs of pod IPs into probe chains
    // thousands of slots long (docs/benchmarks.md), and the controller builds this map of 100,000
    // IPs again on every pod change in ACL mode.
    identities =
        identities == null
            ? Map.of()
            : Collections.unmodifiableMap(new HashMap<>(identities));
    listeners = listeners == null ? List.of() : List.copyOf(listeners);
    identities.forEach(
        (ip, sa) -> {
          if (ip.isBlank() || sa == null || sa.indexOf('/') <= 0) {
            throw new IllegalArgumentException(
                "access identity '" + ip + "': service account '" + sa + "' is not namespace/name");
          }
        });
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
