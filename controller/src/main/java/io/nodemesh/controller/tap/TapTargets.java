package io.nodemesh.controller.tap;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Finds the node proxies to tap among the pods the controller already watches. */
public final class TapTargets {
  /** The chart's admin port, for a proxy pod that declares no port named {@value #PORT_NAME}. */
  static final int DEFAULT_ADMIN_PORT = 9901;

  static final String PORT_NAME = "admin";

  private TapTargets() {}

  /**
   * The running pods in {@code namespace} carrying every label of {@code selector}, each at its pod
   * IP and the container port named {@value #PORT_NAME}.
   */
  public static List<TapTarget> proxyPods(
      List<Pod> pods, String namespace, Map<String, String> selector) {
    List<TapTarget> out = new ArrayList<>();
    for (Pod p : pods) {
      if (p.getMetadata() == null
          || !namespace.equals(p.getMetadata().getNamespace())
          || p.getStatus() == null
          || !"Running".equals(p.getStatus().getPhase())
          || p.getStatus().getPodIP() == null
          || p.getStatus().getPodIP().isBlank()) {
        continue;
      }
      Map<String, String> labels = p.getMetadata().getLabels();
      if (labels == null || !labels.entrySet().containsAll(selector.entrySet())) {
        continue;
      }
      String node = p.getSpec() == null ? null : p.getSpec().getNodeName();
      out.add(
          new TapTarget(
              node == null ? p.getMetadata().getName() : node,
              p.getStatus().getPodIP(),
              adminPort(p)));
    }
    return List.copyOf(out);
  }

  private static int adminPort(Pod p) {
    if (p.getSpec() != null && p.getSpec().getContainers() != null) {
      for (Container c : p.getSpec().getContainers()) {
        for (ContainerPort port : c.getPorts() == null ? List.<ContainerPort>of() : c.getPorts()) {
          if (PORT_NAME.equals(port.getName()) && port.getContainerPort() != null) {
            return port.getContainerPort();
          }
        }
      }
    }
    return DEFAULT_ADMIN_PORT;
  }
}
