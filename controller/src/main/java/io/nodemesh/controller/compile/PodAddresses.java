package io.nodemesh.controller.compile;

import io.fabric8.kubernetes.api.model.Pod;
import io.nodemesh.controller.common.IpLiteral;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * ACL mode's live pods by canonical address ({@link IpLiteral#canonical}), kept in step with {@link
 * io.nodemesh.controller.topology.Topology#podsByIp}: the endpoints the mesh may dial. An address
 * two pods claim (two spellings of one address in local mode's YAML) names neither. Not
 * thread-safe: the compiling thread owns it.
 */
final class PodAddresses {
  private final Map<String, List<Pod>> byAddress = new HashMap<>();

  /** The pods of a {@code podsByIp} map. */
  static PodAddresses of(Map<String, Pod> podsByIp) {
    PodAddresses out = new PodAddresses();
    podsByIp.forEach(out::add);
    return out;
  }

  /** Adds the pod that holds {@code ip}; an IP that is no address is ignored. */
  void add(String ip, Pod pod) {
    String c = IpLiteral.canonical(ip);
    if (c != null) {
      byAddress.computeIfAbsent(c, k -> new ArrayList<>(1)).add(pod);
    }
  }

  /** Removes what {@link #add} added for this very pod object. */
  void remove(String ip, Pod pod) {
    String c = IpLiteral.canonical(ip);
    List<Pod> pods = c == null ? null : byAddress.get(c);
    if (pods == null) {
      return;
    }
    pods.removeIf(p -> p == pod);
    if (pods.isEmpty()) {
      byAddress.remove(c);
    }
  }

  /** The one live pod at a canonical address, or null. */
  Pod at(String canonical) {
    List<Pod> pods = byAddress.get(canonical);
    return pods != null && pods.size() == 1 ? pods.get(0) : null;
  }
}
