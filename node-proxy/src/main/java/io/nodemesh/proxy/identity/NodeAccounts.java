package io.nodemesh.proxy.identity;

import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.MeshConfig;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The ServiceAccounts a config says have pods on a node: every endpoint on {@code node} whose IP
 * the access table maps to a ServiceAccount. The table leaves out host-network, finished and
 * ambiguous pods, so they get no certificate here either (and the CA would refuse them anyway).
 */
public final class NodeAccounts {
  private NodeAccounts() {}

  public static Set<String> of(MeshConfig config, String node) {
    Set<String> accounts = new HashSet<>();
    if (node == null || node.isEmpty()) {
      return Set.of();
    }
    Map<String, String> identities = config.access().identities();
    for (ListenerConfig l : config.listeners()) {
      for (BackendConfig b : l.route().allBackends()) {
        add(accounts, identities, b, node);
      }
    }
    return Set.copyOf(accounts);
  }

  private static void add(
      Set<String> accounts, Map<String, String> identities, BackendConfig backend, String node) {
    if (backend == null) {
      return;
    }
    for (EndpointConfig e : backend.endpoints()) {
      if (node.equals(e.nodeName())) {
        String sa = identities.get(e.ip());
        if (sa != null) {
          accounts.add(sa);
        }
      }
    }
  }
}
