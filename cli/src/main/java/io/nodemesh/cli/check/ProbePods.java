package io.nodemesh.cli.check;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import java.util.List;

/**
 * The objects of {@link NetworkPolicyProbe}: its namespace, the server pod, the client pods and the
 * deny-all-ingress policy. The pods run the Nodemesh image's own hidden commands {@code
 * probe-serve} and {@code probe-call} (the image is distroless: no shell, no busybox), as non-root
 * with nothing added, so a namespace under Pod Security "restricted" admits them.
 */
final class ProbePods {
  /** Every probe namespace carries it, so a leftover one is easy to find and delete. */
  static final String PROBE_LABEL = "nodemesh.io/probe";

  static final String PROBE_VALUE = "network-policy";

  /** Which pod of the probe this is: {@code server}, {@code same-baseline}, ... */
  static final String ROLE_LABEL = "nodemesh.io/probe-role";

  static final int PORT = 8080;

  private ProbePods() {}

  static Namespace namespace(String name) {
    return new NamespaceBuilder()
        .withNewMetadata()
        .withName(name)
        .addToLabels(PROBE_LABEL, PROBE_VALUE)
        .addToLabels("app.kubernetes.io/managed-by", "nodemesh")
        // The mesh leaves the namespace alone: no shadow Services, no strict policy of its own.
        .addToLabels("nodemesh.io/ignore", "true")
        .endMetadata()
        .build();
  }

  /** The server, pinned to {@code node}: accepts on {@link #PORT} and answers one line. */
  static Pod server(String ns, String node, String image) {
    return pod(ns, "server", node, image, List.of("probe-serve", "--port", String.valueOf(PORT)));
  }

  /**
   * A client pinned to {@code node} that calls {@code ip}; it succeeds when it reaches the server.
   * After the policy it waits {@code delaySeconds} first, as CNIs program a new policy with a lag.
   */
  static Pod client(
      String ns, String role, String node, String image, String ip, int delaySeconds) {
    return pod(
        ns,
        role,
        node,
        image,
        List.of(
            "probe-call",
            "--target",
            ip + ":" + PORT,
            "--delay-seconds",
            String.valueOf(delaySeconds)));
  }

  /** Denies all ingress to every pod of {@code ns}. */
  static NetworkPolicy denyAll(String ns) {
    return new NetworkPolicyBuilder()
        .withNewMetadata()
        .withName("deny-all-ingress")
        .withNamespace(ns)
        .endMetadata()
        .withNewSpec()
        .withNewPodSelector()
        .endPodSelector()
        .withPolicyTypes("Ingress")
        .endSpec()
        .build();
  }

  private static Pod pod(String ns, String role, String node, String image, List<String> args) {
    return new PodBuilder()
        .withNewMetadata()
        .withName(role)
        .withNamespace(ns)
        .addToLabels(PROBE_LABEL, PROBE_VALUE)
        .addToLabels(ROLE_LABEL, role)
        .endMetadata()
        .withNewSpec()
        // nodeName, not a selector: the probe is about these two nodes, whatever the scheduler
        // says.
        .withNodeName(node)
        .withRestartPolicy("Never")
        .withAutomountServiceAccountToken(false)
        .withTerminationGracePeriodSeconds(1L)
        .addNewToleration()
        .withOperator("Exists")
        .endToleration()
        .addNewContainer()
        .withName("probe")
        .withImage(image)
        .withArgs(args)
        .withNewSecurityContext()
        .withRunAsNonRoot(true)
        .withAllowPrivilegeEscalation(false)
        .withNewCapabilities()
        .withDrop("ALL")
        .endCapabilities()
        .withNewSeccompProfile()
        .withType("RuntimeDefault")
        .endSeccompProfile()
        .endSecurityContext()
        .endContainer()
        .endSpec()
        .build();
  }
}
