package io.nodemesh.cli.check;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.nodemesh.dns.DnsPatcher;
import io.nodemesh.dns.DnsStatus;
import io.nodemesh.dns.DnsTarget;
import java.util.Optional;

/**
 * The cluster DNS sends the mesh zone to the mesh DNS Service's current address, and no NodeLocal
 * DNSCache bypasses it (docs/dns.md).
 */
final class DnsCheck implements Check {
  private static final String NODE_LOCAL_DNS = "node-local-dns";

  @Override
  public String name() {
    return "dns";
  }

  @Override
  public CheckItem run(CheckContext c) {
    ClusterCheck.Settings settings = c.settings();
    DnsPatcher patcher =
        new DnsPatcher(
            c.client(),
            new DnsPatcher.Settings(
                settings.dnsNamespace(), settings.meshNamespace(), settings.domain(), null));
    DnsStatus status = patcher.status();
    return switch (status) {
      case DnsStatus.NotFound n -> CheckItem.fail("dns", n.reason());
      case DnsStatus.NotPatched n ->
          CheckItem.fail(
              "dns",
              "%s: %s. names are not sent to the mesh; run `nodemesh prepare`"
                  .formatted(n.target().describe(), settings.domain()));
      case DnsStatus.Reverted r ->
          CheckItem.fail(
              "dns", "patch reverted (prepared at %s): %s".formatted(r.preparedAt(), r.hint()));
      case DnsStatus.Patched p -> patched(c, p);
    };
  }

  private static CheckItem patched(CheckContext c, DnsStatus.Patched p) {
    ClusterCheck.Settings settings = c.settings();
    Service meshDns =
        c.client()
            .services()
            .inNamespace(settings.meshNamespace())
            .withName(DnsPatcher.MESH_DNS_SERVICE)
            .get();
    String ip =
        meshDns == null || meshDns.getSpec() == null ? null : meshDns.getSpec().getClusterIP();
    String upstream = p.upstream().replaceFirst(":53$", "");
    if (ip != null
        && !upstream.equals(ip)
        && !upstream.startsWith(ip + ":")
        && !upstream.startsWith("[" + ip + "]")) {
      return CheckItem.fail(
          "dns",
          "%s forwards %s. to %s, but Service %s/%s is at %s; run `nodemesh prepare` again"
              .formatted(
                  p.target().describe(),
                  settings.domain(),
                  p.upstream(),
                  settings.meshNamespace(),
                  DnsPatcher.MESH_DNS_SERVICE,
                  ip));
    }
    Optional<String> bypass = nodeLocalCacheBypass(c.client(), settings);
    if (bypass.isPresent()) {
      return CheckItem.fail("dns", bypass.get());
    }
    boolean versionKnown =
        switch (p.target()) {
          case DnsTarget.Corefile f -> f.version().isPresent();
          case DnsTarget.CustomServerFile f -> f.version().isPresent();
          case DnsTarget.KubeDns k -> true;
        };
    String detail =
        "%s; %s. goes to %s".formatted(p.target().describe(), settings.domain(), p.upstream());
    if (!versionKnown) {
      return CheckItem.warn(
          "dns", detail + "; CoreDNS version unknown, the block was written for a current release");
    }
    return CheckItem.pass("dns", detail);
  }

  /**
   * NodeLocal DNSCache sends only the cluster domain to the cluster DNS; without a block of its own
   * for the mesh zone, pods never get mesh names even though CoreDNS is patched.
   */
  private static Optional<String> nodeLocalCacheBypass(
      KubernetesClient client, ClusterCheck.Settings settings) {
    String ns = settings.dnsNamespace();
    if (client.apps().daemonSets().inNamespace(ns).withName(NODE_LOCAL_DNS).get() == null) {
      return Optional.empty();
    }
    var cm = client.configMaps().inNamespace(ns).withName(NODE_LOCAL_DNS).get();
    String corefile =
        cm == null || cm.getData() == null ? "" : cm.getData().getOrDefault("Corefile", "");
    boolean served =
        corefile.lines().map(String::strip).anyMatch(l -> l.startsWith(settings.domain() + ":53 "));
    if (served) {
      return Optional.empty();
    }
    return Optional.of(
        "NodeLocal DNSCache (DaemonSet %s/%s) sends only the cluster domain to the cluster DNS, so pods never get %s. names; add a %s:53 block to ConfigMap %s/%s (docs/dns.md)"
            .formatted(
                ns, NODE_LOCAL_DNS, settings.domain(), settings.domain(), ns, NODE_LOCAL_DNS));
  }
}
