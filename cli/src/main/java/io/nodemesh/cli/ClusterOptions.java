package io.nodemesh.cli;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * Flags shared by {@code prepare}, {@code cleanup}, {@code check} and {@code dns}: which cluster,
 * which names.
 */
final class ClusterOptions {
  @Option(
      names = "--kubeconfig",
      paramLabel = "FILE",
      description = "Kubeconfig file to use (default: in-cluster, $KUBECONFIG, ~/.kube/config).")
  Path kubeconfig;

  @Option(
      names = "--namespace",
      paramLabel = "NS",
      defaultValue = "nodemesh",
      description = "The mesh namespace (where the chart is installed). Default: ${DEFAULT-VALUE}.")
  String namespace;

  @Option(
      names = "--mesh-domain",
      paramLabel = "DOMAIN",
      defaultValue = "mesh",
      description = "DNS suffix of mesh names (NAME.NAMESPACE.DOMAIN). Default: ${DEFAULT-VALUE}.")
  String meshDomain;

  /** A client the way kubectl finds its cluster; a file that cannot be used is a user error. */
  KubernetesClient connect() {
    return connect(kubeconfig);
  }

  /** As {@link #connect()}, for commands with only a {@code --kubeconfig} flag. */
  static KubernetesClient connect(Path kubeconfig) {
    if (kubeconfig == null) {
      return new KubernetesClientBuilder().build();
    }
    String contents;
    try {
      contents = Files.readString(kubeconfig);
    } catch (IOException e) {
      throw new UserError("--kubeconfig: cannot read '" + kubeconfig + "': " + e.getMessage());
    }
    try {
      return new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(contents)).build();
    } catch (RuntimeException e) {
      throw new UserError(
          "--kubeconfig: '" + kubeconfig + "' is not a usable kubeconfig: " + e.getMessage());
    }
  }
}
