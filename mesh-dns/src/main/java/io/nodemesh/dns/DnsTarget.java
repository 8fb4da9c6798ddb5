package io.nodemesh.dns;

import java.util.Optional;

/** The cluster DNS that {@link DnsPatcher} found, and where the mesh zone goes in it. */
public sealed interface DnsTarget {
  /** Namespace of the DNS Deployment and its ConfigMaps, normally {@code kube-system}. */
  String namespace();

  /** The DNS Deployment, restarted through a pod-template annotation after a change. */
  String deployment();

  /** The ConfigMap Nodemesh writes. */
  String configMap();

  /** One line for people: what was found and where the patch goes. */
  String describe();

  /** CoreDNS whose Corefile gets the block between markers. */
  record Corefile(
      String namespace,
      String deployment,
      String configMap,
      String key,
      Optional<CoreDnsVersion> version)
      implements DnsTarget {
    @Override
    public String describe() {
      return "CoreDNS %s in %s/%s, Corefile in ConfigMap %s key %s"
          .formatted(
              version.map(Object::toString).orElse("(version unknown)"),
              namespace,
              deployment,
              configMap,
              key);
    }
  }

  /**
   * CoreDNS that imports server blocks from a mounted {@code coredns-custom} ConfigMap (AKS, k3s);
   * the block goes there under its own key and the managed Corefile is left alone.
   */
  record CustomServerFile(
      String namespace, String deployment, String configMap, Optional<CoreDnsVersion> version)
      implements DnsTarget {
    public static final String KEY = "nodemesh.server";

    @Override
    public String describe() {
      return "CoreDNS %s in %s/%s, server block in ConfigMap %s key %s"
          .formatted(
              version.map(Object::toString).orElse("(version unknown)"),
              namespace,
              deployment,
              configMap,
              KEY);
    }
  }

  /** kube-dns, which sends a zone elsewhere through the {@code stubDomains} of its ConfigMap. */
  record KubeDns(String namespace, String deployment, String configMap) implements DnsTarget {
    public static final String KEY = "stubDomains";

    @Override
    public String describe() {
      return "kube-dns in %s/%s, stubDomains in ConfigMap %s"
          .formatted(namespace, deployment, configMap);
    }
  }
}
