package io.nodemesh.cli;

import picocli.CommandLine.Option;

/** Where the cluster DNS runs, for the commands that patch or inspect it. */
final class DnsNamespaceOption {
  @Option(
      names = "--dns-namespace",
      paramLabel = "NS",
      defaultValue = "kube-system",
      description = "Where the cluster DNS (CoreDNS or kube-dns) runs. Default: ${DEFAULT-VALUE}.")
  String dnsNamespace;
}
