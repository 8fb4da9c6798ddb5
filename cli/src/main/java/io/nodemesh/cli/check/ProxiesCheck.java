package io.nodemesh.cli.check;

import static io.nodemesh.cli.check.CheckText.list;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A ready proxy on every schedulable node the proxy DaemonSet's nodeSelector admits; nodes it
 * excludes are named when workloads run there anyway (they cannot use mesh names). Leaves the ready
 * proxies in {@link CheckContext#readyProxies()} for {@link ProxyConfigCheck}.
 */
final class ProxiesCheck implements Check {
  @Override
  public String name() {
    return "proxies";
  }

  @Override
  public CheckItem run(CheckContext c) {
    KubernetesClient client = c.client();
    ClusterCheck.Settings settings = c.settings();
    List<Node> schedulable =
        client.nodes().list().getItems().stream()
            .filter(
                n -> n.getSpec() == null || !Boolean.TRUE.equals(n.getSpec().getUnschedulable()))
            .toList();
    ProxyPlacement placement = placement(c);
    List<Node> nodes = schedulable.stream().filter(placement::admits).toList();
    List<Node> excluded = schedulable.stream().filter(n -> !placement.admits(n)).toList();
    List<Pod> pods =
        client
            .pods()
            .inNamespace(settings.meshNamespace())
            .withLabel("app.kubernetes.io/name", settings.proxyName())
            .list()
            .getItems();
    Map<String, Pod> readyByNode = new TreeMap<>();
    for (Pod p : pods) {
      if (p.getSpec() != null && p.getSpec().getNodeName() != null && ready(p)) {
        readyByNode.put(p.getSpec().getNodeName(), p);
      }
    }
    c.readyProxies().addAll(readyByNode.values());
    List<String> without =
        nodes.stream()
            .map(n -> n.getMetadata().getName())
            .filter(n -> !readyByNode.containsKey(n))
            .sorted()
            .toList();
    Map<String, Integer> stranded =
        excluded.isEmpty()
            ? Map.of()
            : ProxyPlacement.workloads(
                excluded,
                client.pods().inAnyNamespace().list().getItems(),
                settings.meshNamespace());
    String outside =
        excluded.isEmpty() ? "" : outsideNodes(settings, placement, excluded, stranded);
    if (!without.isEmpty()) {
      return CheckItem.fail(
          "proxies",
          "no ready proxy on %d of %d schedulable nodes: %s; pods there cannot use .%s names (kubectl -n %s get pods -l app.kubernetes.io/name=%s -o wide)%s"
              .formatted(
                  without.size(),
                  nodes.size(),
                  list(without),
                  settings.domain(),
                  settings.meshNamespace(),
                  settings.proxyName(),
                  outside.isEmpty() ? "" : "; " + outside));
    }
    if (!stranded.isEmpty()) {
      return CheckItem.warn(
          "proxies",
          "a ready proxy on each of %d nodes it can run on; %s".formatted(nodes.size(), outside));
    }
    return CheckItem.pass(
        "proxies",
        "a ready proxy on each of %d schedulable nodes%s"
            .formatted(nodes.size(), outside.isEmpty() ? "" : "; " + outside));
  }

  /** The proxy DaemonSet's nodeSelector; none when the DaemonSet cannot be read. */
  private static ProxyPlacement placement(CheckContext c) {
    var spec = proxyPodSpec(c);
    return new ProxyPlacement(spec == null ? Map.of() : spec.getNodeSelector());
  }

  /** The pod template spec of the chart's proxy DaemonSet, or null when it cannot be read. */
  static io.fabric8.kubernetes.api.model.PodSpec proxyPodSpec(CheckContext c) {
    var ds =
        c.client()
            .apps()
            .daemonSets()
            .inNamespace(c.settings().meshNamespace())
            .withName(c.settings().proxyName())
            .get();
    return ds == null || ds.getSpec() == null ? null : ds.getSpec().getTemplate().getSpec();
  }

  /** Nodes the proxy's nodeSelector excludes, and the workloads that run there anyway. */
  private static String outsideNodes(
      ClusterCheck.Settings settings,
      ProxyPlacement placement,
      List<Node> excluded,
      Map<String, Integer> workloads) {
    if (workloads.isEmpty()) {
      return "%d node(s) outside the proxy's nodeSelector (%s) run no workloads"
          .formatted(excluded.size(), placement.describe());
    }
    List<String> named =
        workloads.entrySet().stream()
            .map(e -> e.getKey() + " (" + e.getValue() + " pods)")
            .toList();
    return "%d node(s) outside the proxy's nodeSelector (%s) run workloads that cannot use .%s names: %s"
        .formatted(workloads.size(), placement.describe(), settings.domain(), list(named));
  }

  private static boolean ready(Pod p) {
    if (p.getStatus() == null || p.getStatus().getConditions() == null) {
      return false;
    }
    for (PodCondition pc : p.getStatus().getConditions()) {
      if ("Ready".equals(pc.getType())) {
        return "True".equals(pc.getStatus());
      }
    }
    return false;
  }
}
