package io.nodemesh.cli;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.nodemesh.controller.ControllerOptions;
import java.time.Duration;

/** What the Kubernetes-mode tests share to run a controller against fabric8's mock API server. */
final class TestControllers {
  private TestControllers() {}

  /**
   * A single replica (no leader election) in the default mesh namespace, API on an ephemeral
   * loopback port, this JVM's proxy port ranges, and a short debounce.
   */
  static ControllerOptions options(String identity) {
    ControllerOptions d = ControllerOptions.defaults();
    return new ControllerOptions(
        d.meshNamespace(),
        "mesh",
        "127.0.0.1",
        0,
        TestPorts.range(0),
        TestPorts.range(1),
        TestPorts.range(2),
        Duration.ofMillis(20),
        Duration.ofSeconds(1),
        false,
        identity,
        null,
        d.proxySelector());
  }

  /**
   * A client of the controller's own, as in a cluster, so that its watches never starve the
   * test's; the caller closes it.
   */
  static KubernetesClient ownClient(KubernetesClient client) {
    return new KubernetesClientBuilder()
        .withConfig(
            new ConfigBuilder(client.getConfiguration())
                .withMaxConcurrentRequestsPerHost(64)
                .build())
        .build();
  }
}
