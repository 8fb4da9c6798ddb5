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
 * With mTLS on in any namespace, also every pod the config's tunnel part places on {@code node}:
 * the controller fills that without ACL mode, and a client pod needs its identity to open a tunnel.
 */
public final class NodeAccounts {
  private NodeAccounts() {}

  public static Set<String> of(MeshConfig config, String node) {
    Set<String> accounts = new HashSet<>();
    // No config yet (a proxy that starts its identities before the first poll): nothing to ask for.
    if (config == null || node == null || node.isEmpty()) {
      return Set.of();
    }
    Map<String, String> identities = config.access().identities();
    for (ListenerConfig l : config.listeners()) {
      for (BackendConfig b : l.route().allBackends()) {
        add(accounts, identities, b, node);
      }
    }
    config
        .tunnel()
        .pods()
        .values()
        .forEach(
            p -> {
              if (node.equals(p.node())) {
                accounts.add(p.account());
              }
            });
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
