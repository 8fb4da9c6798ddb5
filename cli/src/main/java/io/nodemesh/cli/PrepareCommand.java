package io.nodemesh.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.nodemesh.dns.DnsPatchException;
import io.nodemesh.dns.DnsPatcher;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code nodemesh prepare}: make the cluster DNS send the mesh zone to the mesh DNS server. */
@Command(
    name = "prepare",
    mixinStandardHelpOptions = true,
    description = {
      "Make NAME.NAMESPACE.<domain> resolve: add the mesh zone to CoreDNS (Corefile or"
          + " coredns-custom) or kube-dns (stubDomains); the cluster DNS reloads it by itself"
          + " (CoreDNS needs the reload plugin).",
      "Running it again changes nothing; `nodemesh cleanup` undoes it."
    })
final class PrepareCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Mixin ClusterOptions cluster;

  @Mixin DnsNamespaceOption dns;

  @Option(
      names = "--dns-address",
      paramLabel = "IP",
      description =
          "Send the mesh zone to this address (default: the ClusterIP of Service nodemesh-dns in"
              + " the mesh namespace).")
  String dnsAddress;

  @Override
  public Integer call() {
    DnsPatcher.Settings settings;
    try {
      settings =
          new DnsPatcher.Settings(
              dns.dnsNamespace, cluster.namespace, cluster.meshDomain, dnsAddress);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    PrintWriter out = spec.commandLine().getOut();
    try (KubernetesClient client = cluster.connect()) {
      DnsPatcher.Change change = new DnsPatcher(client, settings).prepare();
      out.println(
          (change.changed() ? "patched " : "already patched, nothing changed: ")
              + change.target().describe());
      change.notes().forEach(n -> out.println("note: " + n));
      out.flush();
      return 0;
    } catch (DnsPatchException e) {
      throw new UserError(e.getMessage(), e);
    } catch (KubernetesClientException e) {
      throw new UserError("Kubernetes API: " + e.getMessage(), e);
    }
  }
}
