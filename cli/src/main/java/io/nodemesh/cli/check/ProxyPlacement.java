package io.nodemesh.cli.check;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Which nodes the proxy DaemonSet can run on (its pod template's nodeSelector: the chart keeps the
 * proxy to linux/amd64 nodes), and which excluded nodes still run workloads that would need a proxy
 * to use mesh names. A node the proxy cannot run on gets no proxy pod, so it never holds up a
 * rollout; this is how {@code check} keeps it from going unnoticed.
 */
record ProxyPlacement(Map<String, String> nodeSelector) {
  ProxyPlacement {
    nodeSelector = Map.copyOf(nodeSelector == null ? Map.of() : nodeSelector);
  }

  /** Whether the proxy's nodeSelector admits the node (every key present with its value). */
  boolean admits(Node node) {
    Map<String, String> labels =
        node.getMetadata() == null || node.getMetadata().getLabels() == null
            ? Map.of()
            : node.getMetadata().getLabels();
    return nodeSelector.entrySet().stream()
        .allMatch(e -> Objects.equals(labels.get(e.getKey()), e.getValue()));
  }

  /**
   * Workload pods per node among {@code excluded}: running or pending pods outside the mesh
   * namespace and kube-system that no DaemonSet owns (per-node agents do not call mesh names).
   */
  static Map<String, Integer> workloads(List<Node> excluded, List<Pod> pods, String meshNamespace) {
    Map<String, Integer> out = new TreeMap<>();
    for (Node n : excluded) {
      out.put(n.getMetadata().getName(), 0);
    }
    for (Pod p : pods) {
      String node = p.getSpec() == null ? null : p.getSpec().getNodeName();
      if (node == null || !out.containsKey(node) || !isWorkload(p, meshNamespace)) {
        continue;
      }
      out.merge(node, 1, Integer::sum);
    }
    out.values().removeIf(c -> c == 0);
    return out;
  }

  private static boolean isWorkload(Pod p, String meshNamespace) {
    String ns = p.getMetadata().getNamespace();
    if (meshNamespace.equals(ns) || "kube-system".equals(ns)) {
      return false;
    }
    String phase = p.getStatus() == null ? null : p.getStatus().getPhase();
    if ("Succeeded".equals(phase) || "Failed".equals(phase)) {
      return false;
    }
    List<OwnerReference> owners = p.getMetadata().getOwnerReferences();
    return owners == null || owners.stream().noneMatch(o -> "DaemonSet".equals(o.getKind()));
  }

  /** {@code key=value,...} for messages. */
  String describe() {
    return new TreeMap<>(nodeSelector)
        .entrySet().stream()
            .map(e -> e.getKey() + "=" + e.getValue())
            .reduce((a, b) -> a + "," + b)
            .orElse("");
  }
}
