package io.nodemesh.controller.tap;

/**
 * One node proxy's admin server, as the controller reaches it for a tap.
 *
 * @param node the node (or pod) name shown with each event
 * @param host the proxy pod's IP literal: the grant is bound to it
 * @param port the admin port
 */
public record TapTarget(String node, String host, int port) {
  public TapTarget {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("TapTarget.host must not be blank");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("TapTarget.port " + port + " is not in 1..65535");
    }
    node = node == null || node.isBlank() ? host : node;
  }
}
