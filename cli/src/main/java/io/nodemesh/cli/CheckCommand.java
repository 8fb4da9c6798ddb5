package io.nodemesh.cli;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.nodemesh.cli.check.CheckItem;
import io.nodemesh.cli.check.ClusterCheck;
import io.nodemesh.cli.check.ControllerAccess;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code nodemesh check}: a pass/fail line per thing the mesh needs; exit 1 if any fails. */
@Command(
    name = "check",
    mixinStandardHelpOptions = true,
    description = {
      "Check an installed mesh: API and the controller's permissions, CRD versions, DNS patch,"
          + " leader, a ready proxy per node on the latest config, shadow Services, objects with"
          + " errors. Exit code 1 if any item fails."
    })
final class CheckCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Mixin ClusterOptions cluster;

  @Mixin DnsNamespaceOption dns;

  @Option(
      names = "--as-self",
      description =
          "Check your own permissions instead of impersonating the controller's ServiceAccount.")
  boolean asSelf;

  @Option(
      names = "--direct",
      description =
          "Reach the controller Service and the proxies' admin port directly (from inside the"
              + " cluster, as the chart's helm test does) instead of through the API server's"
              + " proxy, which the chart's NetworkPolicies block.")
  boolean direct;

  @Option(
      names = "--controller",
      paramLabel = "URL",
      description =
          "With --direct: the controller's URL (default: https://nodemesh-controller.<namespace>"
              + ".svc:9900, or http:// when its Service port says appProtocol http), e.g."
              + " https://localhost:9900 through kubectl port-forward.")
  URI controller;

  @Option(
      names = "--controller-ca",
      paramLabel = "FILE",
      description =
          "With --direct: PEM CA that signed the controller's certificate (ca.crt of Secret"
              + " nodemesh-controller-tls).")
  Path controllerCa;

  @Option(
      names = "--probe-network-policy",
      description =
          "Also find out whether the cluster's CNI enforces NetworkPolicy, same-node and"
              + " cross-node: creates a namespace nodemesh-probe-<random> with a server and client"
              + " pods and a deny-all policy, and deletes it (at most about 2 minutes).")
  boolean probeNetworkPolicy;

  @Option(
      names = "--probe-image",
      paramLabel = "IMAGE",
      description =
          "With --probe-network-policy: the Nodemesh image of the probe pods (default: the proxy"
              + " DaemonSet's).")
  String probeImage;

  @Override
  public Integer call() {
    ClusterCheck.Settings d = ClusterCheck.Settings.defaults();
    ClusterCheck.Settings settings =
        new ClusterCheck.Settings(
            cluster.namespace,
            dns.dnsNamespace,
            cluster.meshDomain,
            d.controllerName(),
            d.controllerPort(),
            d.proxyName(),
            d.proxyAdminPort());
    if ((controllerCa != null || controller != null) && !direct) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          (controller != null ? "--controller" : "--controller-ca") + " goes with --direct");
    }
    if (controller != null
        && !("https".equalsIgnoreCase(controller.getScheme())
            || "http".equalsIgnoreCase(controller.getScheme()))) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--controller '" + controller + "' is not an http(s) URL");
    }
    if (probeImage != null && !probeNetworkPolicy) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--probe-image goes with --probe-network-policy");
    }
    if (controllerCa != null && !Files.isReadable(controllerCa)) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--controller-ca '" + controllerCa + "' is not readable");
    }
    try (KubernetesClient client = cluster.connect()) {
      Function<KubernetesClient, KubernetesClient> asController =
          asSelf ? c -> c : c -> impersonate(c, settings);
      ClusterCheck check =
          new ClusterCheck(
              client,
              asController,
              settings,
              Clock.systemUTC(),
              new ControllerAccess(client, settings, direct, controllerCa, controller));
      if (probeNetworkPolicy) {
        check.probeNetworkPolicy(probeImage);
      }
      List<CheckItem> items = check.run();
      return report(items, spec.commandLine().getOut());
    }
  }

  /** Prints the items and a summary; 1 when something failed. */
  static int report(List<CheckItem> items, PrintWriter out) {
    items.forEach(i -> out.println(i.line()));
    long failed = items.stream().filter(i -> i.status() == CheckItem.Status.FAIL).count();
    out.println(
        failed == 0 ? "nodemesh check: all passed" : "nodemesh check: %d failed".formatted(failed));
    out.flush();
    return failed == 0 ? 0 : 1;
  }

  private static KubernetesClient impersonate(KubernetesClient c, ClusterCheck.Settings s) {
    return new KubernetesClientBuilder()
        .withConfig(
            new ConfigBuilder(c.getConfiguration())
                .withImpersonateUsername(
                    "system:serviceaccount:%s:%s".formatted(s.meshNamespace(), s.controllerName()))
                .withImpersonateGroups(
                    "system:serviceaccounts",
                    "system:serviceaccounts:" + s.meshNamespace(),
                    "system:authenticated")
                .build())
        .build();
  }
}
