package io.nodemesh.config.tunnel;

import java.util.Objects;

/**
 * Where a meshed pod runs and as whom.
 *
 * @param node the pod's {@code spec.nodeName}
 * @param account the pod's {@code namespace/serviceAccount}
 */
public record TunnelPod(String node, String account) {
  public TunnelPod {
    Objects.requireNonNull(node, "tunnel pod node");
    Objects.requireNonNull(account, "tunnel pod account");
    int slash = account.indexOf('/');
    if (node.isBlank() || slash <= 0 || slash == account.length() - 1) {
      throw new IllegalArgumentException(
          "tunnel pod on '" + node + "': account '" + account + "' is not namespace/name");
    }
  }

  /** The pod's namespace. */
  public String namespace() {
    return account.substring(0, account.indexOf('/'));
  }
}
