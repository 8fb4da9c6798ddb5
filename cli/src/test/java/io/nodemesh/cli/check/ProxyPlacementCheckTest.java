package io.nodemesh.cli.check;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code check}'s proxies item on a mixed cluster: the chart keeps the proxy to linux/amd64 nodes,
 * so an arm64 node gets no proxy and cannot hold up a rollout; check names it when workloads run
 * there (they cannot use mesh names), and still fails a node the proxy should run on but does not.
 */
@EnableKubernetesMockClient(crud = true)
class ProxyPlacementCheckTest {
  static final String NS = "nodemesh";
  static final Map<String, String> AMD64 =
      Map.of("kubernetes.io/os", "linux", "kubernetes.io/arch", "amd64");
  static final Map<String, String> ARM64 =
      Map.of("kubernetes.io/os", "linux", "kubernetes.io/arch", "arm64");

  KubernetesClient client;

  @BeforeEach
  void mixedCluster() {
    node("amd-1", AMD64);
    node("arm-1", ARM64);
    client
        .apps()
        .daemonSets()
        .inNamespace(NS)
        .resource(
            new DaemonSetBuilder()
                .withNewMetadata()
                .withName("nodemesh-proxy")
                .withNamespace(NS)
                .endMetadata()
                .withNewSpec()
                .withNewTemplate()
                .withNewSpec()
                .withNodeSelector(AMD64)
                .endSpec()
                .endTemplate()
                .endSpec()
                .build())
        .create();
    pod(NS, "nodemesh-proxy-amd-1", "amd-1", "nodemesh-proxy", null, true);
    // What runs on every node anyway: agents of DaemonSets and kube-system.
    pod("monitoring", "node-exporter-arm-1", "arm-1", "node-exporter", "DaemonSet", true);
    pod("kube-system", "coredns-arm-1", "arm-1", "coredns", null, true);
  }

  void node(String name, Map<String, String> labels) {
    ClusterObjects.node(client, name, labels, false);
  }

  void pod(String ns, String name, String node, String app, String ownerKind, boolean ready) {
    PodBuilder b =
        ClusterObjects.pod(ns, name, node, app, ready)
            .editStatus()
            .withPhase("Running")
            .endStatus();
    if (ownerKind != null) {
      b.editMetadata()
          .addNewOwnerReference()
          .withKind(ownerKind)
          .withName(app)
          .withApiVersion("apps/v1")
          .withUid("u-" + name)
          .endOwnerReference()
          .endMetadata();
    }
    ClusterObjects.put(client, b.build());
  }

  CheckItem proxies() {
    return new ProxiesCheck().run(CheckContexts.of(client, Instant.EPOCH));
  }

  @Test
  void aNodeOutsideTheNodeSelectorWithoutWorkloadsPasses() {
    ClusterObjects.detail(proxies(), CheckItem.Status.PASS)
        .isEqualTo(
            "a ready proxy on each of 1 schedulable nodes; 1 node(s) outside the proxy's"
                + " nodeSelector (kubernetes.io/arch=amd64,kubernetes.io/os=linux) run no"
                + " workloads");
  }

  @Test
  void workloadsOnANodeThatCannotRunTheProxyAreNamed() {
    pod("shop", "web-7d9f", "arm-1", "web", "ReplicaSet", true);
    pod("shop", "api-1", "arm-1", "api", null, true);
    ClusterObjects.detail(proxies(), CheckItem.Status.WARN)
        .isEqualTo(
            "a ready proxy on each of 1 nodes it can run on; 1 node(s) outside the proxy's"
                + " nodeSelector (kubernetes.io/arch=amd64,kubernetes.io/os=linux) run workloads"
                + " that cannot use .mesh names: arm-1 (2 pods)");
  }

  @Test
  void anEligibleNodeWithoutAReadyProxyStillFails() {
    node("amd-2", AMD64);
    pod(NS, "nodemesh-proxy-amd-2", "amd-2", "nodemesh-proxy", null, false);
    ClusterObjects.failsWith(proxies())
        .startsWith("no ready proxy on 1 of 2 schedulable nodes: amd-2;")
        .endsWith("run no workloads");
  }

  @Test
  void withoutTheDaemonSetEveryNodeNeedsAProxy() {
    client.apps().daemonSets().inNamespace(NS).withName("nodemesh-proxy").delete();
    ClusterObjects.failsWith(proxies())
        .startsWith("no ready proxy on 1 of 2 schedulable nodes: arm-1;");
  }
}
