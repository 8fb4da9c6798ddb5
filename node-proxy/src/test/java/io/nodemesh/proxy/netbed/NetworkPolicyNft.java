package io.nodemesh.proxy.netbed;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * The test bed's stand-in for a CNI that enforces NetworkPolicy (issue 14): translates one ingress
 * NetworkPolicy into nftables rules for one node, as the API describes it
 * (kubernetes.io/docs/concepts/services-networking/network-policies): the policy's pods on that
 * node accept new connections only from the peers of some rule, on that rule's ports; replies of
 * allowed connections pass (policies are stateful). Selectors are resolved against the bed's pods,
 * since the bed has no API server. What the API leaves to the CNI, the own node, is modelled
 * explicitly: the node's own address is let in, as kubelet probes and host-network processes are.
 * Anything the translator does not understand (expressions, {@code except}, named ports, egress)
 * fails the test rather than being dropped silently.
 */
public final class NetworkPolicyNft {
  /** The nftables table the rules live in; a node holds at most one translated policy. */
  public static final String TABLE = "nmtb_policy";

  /** A pod of the bed as a policy sees it. */
  public record BedPod(String namespace, Map<String, String> labels, String ip, String node) {}

  private NetworkPolicyNft() {}

  /**
   * The nftables script for {@code policy} on {@code node} (its address {@code nodeIp}). Named
   * counters {@code own_node}, {@code rule_N} and {@code denied} count what each rule decided.
   */
  public static String translate(
      NetworkPolicy policy, String node, String nodeIp, List<BedPod> pods) {
    var spec = policy.getSpec();
    String ns = policy.getMetadata().getNamespace();
    if (spec.getEgress() != null && !spec.getEgress().isEmpty()
        || !Objects.equals(spec.getPolicyTypes(), List.of("Ingress"))) {
      throw new IllegalArgumentException("only Ingress policies: " + spec.getPolicyTypes());
    }
    TreeSet<String> guarded = new TreeSet<>();
    for (BedPod p : pods) {
      if (p.node().equals(node)
          && p.namespace().equals(ns)
          && matches(spec.getPodSelector(), p.labels())) {
        guarded.add(p.ip());
      }
    }
    StringBuilder chain = new StringBuilder();
    StringBuilder counters = new StringBuilder("  counter own_node {}\n  counter denied {}\n");
    chain.append("    ct state established,related accept\n");
    // The own node: not in the policy; every CNI lets it in (kubelet probes need it).
    chain.append("    ip saddr ").append(nodeIp).append(" counter name own_node accept\n");
    List<NetworkPolicyIngressRule> rules = Objects.requireNonNullElse(spec.getIngress(), List.of());
    for (int i = 0; i < rules.size(); i++) {
      NetworkPolicyIngressRule r = rules.get(i);
      counters.append("  counter rule_").append(i).append(" {}\n");
      String ports = ports(r.getPorts());
      if (r.getFrom() == null || r.getFrom().isEmpty()) {
        chain
            .append("    ")
            .append(ports)
            .append("counter name rule_")
            .append(i)
            .append(" accept\n");
        continue;
      }
      TreeSet<String> from = new TreeSet<>();
      for (NetworkPolicyPeer peer : r.getFrom()) {
        from.addAll(addresses(peer, ns, pods));
      }
      if (!from.isEmpty()) {
        chain
            .append("    ip saddr { ")
            .append(String.join(", ", from))
            .append(" } ")
            .append(ports)
            .append("counter name rule_")
            .append(i)
            .append(" accept\n");
      }
    }
    chain.append("    counter name denied drop\n");
    String set = guarded.isEmpty() ? "" : "    elements = { " + String.join(", ", guarded) + " }\n";
    return "table inet "
        + TABLE
        + " {\n"
        + counters
        + "  set guarded {\n    type ipv4_addr\n"
        + set
        + "  }\n  chain ingress_rules {\n"
        + chain
        + "  }\n"
        + "  chain input { type filter hook input priority 0; policy accept; ip daddr @guarded jump ingress_rules; }\n"
        + "  chain forward { type filter hook forward priority 0; policy accept; ip daddr @guarded jump ingress_rules; }\n"
        + "}\n";
  }

  private static List<String> addresses(
      NetworkPolicyPeer peer, String policyNs, List<BedPod> pods) {
    if (peer.getIpBlock() != null) {
      if (peer.getIpBlock().getExcept() != null && !peer.getIpBlock().getExcept().isEmpty()) {
        throw new IllegalArgumentException("ipBlock.except is not modelled");
      }
      return List.of(peer.getIpBlock().getCidr());
    }
    List<String> out = new ArrayList<>();
    for (BedPod p : pods) {
      boolean nsOk =
          peer.getNamespaceSelector() == null
              ? p.namespace().equals(policyNs)
              : matches(
                  peer.getNamespaceSelector(),
                  Map.of("kubernetes.io/metadata.name", p.namespace()));
      // A namespaceSelector alone selects every pod of those namespaces.
      boolean podOk = peer.getPodSelector() == null || matches(peer.getPodSelector(), p.labels());
      if (nsOk && podOk) {
        out.add(p.ip());
      }
    }
    return out;
  }

  private static String ports(List<NetworkPolicyPort> ports) {
    if (ports == null || ports.isEmpty()) {
      return "";
    }
    List<String> numbers = new ArrayList<>();
    for (NetworkPolicyPort p : ports) {
      if (p.getPort() == null || p.getPort().getIntVal() == null || p.getEndPort() != null) {
        throw new IllegalArgumentException("only numbered single ports are modelled: " + p);
      }
      if (!"TCP".equals(Objects.requireNonNullElse(p.getProtocol(), "TCP"))) {
        throw new IllegalArgumentException("only TCP is modelled: " + p);
      }
      numbers.add(String.valueOf(p.getPort().getIntVal()));
    }
    return "tcp dport { " + String.join(", ", numbers) + " } ";
  }

  /** Whether {@code labels} match {@code s}: matchLabels only, an empty selector matches all. */
  private static boolean matches(LabelSelector s, Map<String, String> labels) {
    if (s == null) {
      return true;
    }
    if (s.getMatchExpressions() != null && !s.getMatchExpressions().isEmpty()) {
      throw new IllegalArgumentException("matchExpressions are not modelled");
    }
    Map<String, String> want = Objects.requireNonNullElse(s.getMatchLabels(), Map.of());
    return labels.entrySet().containsAll(want.entrySet());
  }
}
