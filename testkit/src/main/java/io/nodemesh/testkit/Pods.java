package io.nodemesh.testkit;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import java.util.Map;

/**
 * Pods placed on a node, as the controller's CA and tunnel compile see them: the node is what a
 * proxy may ask certificates for, and the pod IP is how a tunnel finds the pod's node.
 */
public final class Pods {
  private Pods() {}

  /**
   * A running, Ready pod ({@link K8s#pod}) of service account {@code sa} on {@code node}; {@code
   * ip} null for a pod that has no IP yet.
   */
  public static Pod onNode(String ns, String name, String sa, String node, String ip) {
    return new PodBuilder(K8s.pod(ns, name, sa, ip))
        .editSpec()
        .withNodeName(node)
        .endSpec()
        .editStatus()
        .addNewCondition()
        .withType("Ready")
        .withStatus("True")
        .endCondition()
        .endStatus()
        .build();
  }

  /** {@code p} with {@code labels} as its only labels (a proxy pod: the proxy selector). */
  public static Pod labelled(Pod p, Map<String, String> labels) {
    return new PodBuilder(p).editMetadata().withLabels(labels).endMetadata().build();
  }

  /** A ready EndpointSlice endpoint {@code ip} of a pod on {@code node}. */
  public static Endpoint endpointOn(String ip, String node) {
    return new EndpointBuilder(K8s.endpoint(ip, true)).withNodeName(node).build();
  }
}
