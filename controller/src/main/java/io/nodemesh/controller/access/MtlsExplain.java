package io.nodemesh.controller.access;

import io.nodemesh.config.identity.SpiffeId;
import io.nodemesh.config.tunnel.MtlsMode;
import io.nodemesh.config.tunnel.TunnelConfig;
import io.nodemesh.config.tunnel.TunnelPod;
import java.util.ArrayList;
import java.util.List;

/**
 * For {@code explain}: which identity the mesh judges a call by and where the decision is made, per
 * ready endpoint, with the same rules as the caller's proxy ({@code TunnelTable.path} in
 * node-proxy: {@code off} or the same node go direct and are decided by source IP on the caller's
 * node; a tunnel presents the source account's certificate and the destination node's proxy decides
 * on it), and what strict mode's NetworkPolicy cannot block (docs/security.md, "Strict mode:
 * NetworkPolicy").
 */
final class MtlsExplain {
  static final String BY_SOURCE_IP = "the caller's node proxy, by source IP";
  static final String BY_CERTIFICATE =
      "the destination node's proxy, on the verified certificate (the caller's proxy refuses early"
          + " by source IP)";

  private MtlsExplain() {}

  /** Whether any namespace is not {@code off}: without the tunnel, explain says nothing of it. */
  static boolean inPlay(TunnelConfig tunnel) {
    return tunnel.mode() != MtlsMode.OFF
        || tunnel.namespaces().values().stream().anyMatch(m -> m != MtlsMode.OFF);
  }

  /** One endpoint's path, from a source with IP {@code sourceIp}. */
  static Explanation.Hop hop(TunnelConfig tunnel, String sourceIp, String endpoint) {
    int colon = endpoint.lastIndexOf(':');
    String ip = colon < 0 ? endpoint : endpoint.substring(0, colon);
    TunnelPod pod = tunnel.pods().get(ip);
    TunnelPod from = tunnel.pods().get(sourceIp);
    String byIp = "source IP " + sourceIp;
    if (pod == null) {
      return new Explanation.Hop(endpoint, null, "off", byIp, BY_SOURCE_IP);
    }
    MtlsMode mode = tunnel.modeOf(pod.namespace());
    if (mode == MtlsMode.OFF) {
      return new Explanation.Hop(endpoint, pod.node(), mode.wireName(), byIp, BY_SOURCE_IP);
    }
    if (from != null && from.node().equals(pod.node())) {
      return new Explanation.Hop(
          endpoint, pod.node(), mode.wireName(), byIp, BY_SOURCE_IP + " (same node, no tunnel)");
    }
    if (from == null || !tunnel.proxies().containsKey(pod.node())) {
      String why = from == null ? "the caller is not a known pod" : "its node has no proxy";
      return mode == MtlsMode.STRICT
          ? new Explanation.Hop(
              endpoint, pod.node(), mode.wireName(), "none", "refused (502): " + why)
          : new Explanation.Hop(
              endpoint,
              pod.node(),
              mode.wireName(),
              byIp,
              BY_SOURCE_IP + " (plaintext, " + why + ")");
    }
    String identity =
        tunnel.trustDomain() == null
            ? "sa " + from.account()
            : SpiffeId.of(tunnel.trustDomain(), from.account()).uri();
    return new Explanation.Hop(endpoint, pod.node(), mode.wireName(), identity, BY_CERTIFICATE);
  }

  /** What strict mode's NetworkPolicy in {@code namespace} does not do; empty when not strict. */
  static List<String> caveats(TunnelConfig tunnel, String namespace) {
    if (tunnel.modeOf(namespace) != MtlsMode.STRICT) {
      return List.of();
    }
    List<String> c = new ArrayList<>();
    c.add(
        "NetworkPolicy nodemesh-strict refuses direct calls to "
            + namespace
            + "'s pods only where the CNI enforces it (nodemesh check --probe-network-policy)");
    c.add(
        "it does not block the pod's own node: host processes and hostNetwork pods there reach"
            + " the pod directly; hostNetwork pods of other nodes depend on the CNI");
    c.add("kubelet probes pass only through the CNI's own-node exemption");
    return List.copyOf(c);
  }
}
