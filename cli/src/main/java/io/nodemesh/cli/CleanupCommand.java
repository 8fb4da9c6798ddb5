package io.nodemesh.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.nodemesh.controller.strict.StrictPolicies;
import io.nodemesh.dns.DnsPatchException;
import io.nodemesh.dns.DnsPatcher;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code nodemesh cleanup}: undo {@code prepare}, giving the DNS configuration back as it was, and
 * delete the strict-mode NetworkPolicies the controller wrote (issue 14).
 */
@Command(
    name = "cleanup",
    mixinStandardHelpOptions = true,
    description = {
      "Take the mesh zone out of the cluster DNS again: the Corefile comes back byte for byte,"
          + " kube-dns gets its stubDomains text back; the cluster DNS reloads it.",
      "Deletes the NetworkPolicies nodemesh-strict that the controller wrote in strict namespaces"
          + " (label app.kubernetes.io/managed-by=nodemesh); run it after uninstalling, since a"
          + " running controller writes them again.",
      "Safe to run when nothing is patched."
    })
final class CleanupCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Mixin ClusterOptions cluster;

  @Mixin DnsNamespaceOption dns;

  @Override
  public Integer call() {
    DnsPatcher.Settings settings;
    try {
      settings =
          new DnsPatcher.Settings(dns.dnsNamespace, cluster.namespace, cluster.meshDomain, null);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    PrintWriter out = spec.commandLine().getOut();
    try (KubernetesClient client = cluster.connect()) {
      deleteStrictPolicies(client, out);
      DnsPatcher.Change change = new DnsPatcher(client, settings).cleanup();
      out.println(
          (change.changed() ? "restored " : "nothing to undo in ") + change.target().describe());
      out.flush();
      return 0;
    } catch (DnsPatchException e) {
      throw new UserError(e.getMessage(), e);
    } catch (KubernetesClientException e) {
      throw new UserError("Kubernetes API: " + e.getMessage(), e);
    }
  }

  /**
   * Deletes the strict-mode policies; without the right to (the chart's pre-delete hook runs this
   * command under the DNS patcher's account, which has none on NetworkPolicies) it says how to do
   * it by hand and goes on with the DNS.
   */
  private static void deleteStrictPolicies(KubernetesClient client, PrintWriter out) {
    try {
      for (String p : StrictPolicies.deleteAll(client)) {
        out.println("deleted NetworkPolicy " + p);
      }
    } catch (KubernetesClientException e) {
      if (e.getCode() != 401 && e.getCode() != 403) {
        throw e;
      }
      out.println(
          "NetworkPolicies left as they are ("
              + e.getCode()
              + "): delete them with kubectl delete networkpolicy -A -l"
              + " app.kubernetes.io/managed-by=nodemesh --field-selector"
              + " metadata.name="
              + StrictPolicies.NAME);
    }
    out.flush();
  }
}
