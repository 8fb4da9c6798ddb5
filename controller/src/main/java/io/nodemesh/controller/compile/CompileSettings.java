package io.nodemesh.controller.compile;

import io.nodemesh.config.Protocol;
import io.nodemesh.controller.common.PortRange;
import java.util.Map;
import java.util.Objects;

/**
 * What the compiler needs besides the topology.
 *
 * @param meshNamespace the mesh's own namespace, never meshed
 * @param meshDomain the DNS suffix put into the config
 * @param ranges the proxy port range of each protocol
 * @param acl ACL mode: compile TrafficTargets into the config's access part
 * @param defaultTrafficType the traffic type of a Service without the annotation
 */
public record CompileSettings(
    String meshNamespace,
    String meshDomain,
    Map<Protocol, PortRange> ranges,
    boolean acl,
    Protocol defaultTrafficType) {
  public CompileSettings {
    defaultTrafficType = defaultTrafficType == null ? Protocol.HTTP : defaultTrafficType;
    Objects.requireNonNull(meshNamespace, "CompileSettings.meshNamespace");
    Objects.requireNonNull(meshDomain, "CompileSettings.meshDomain");
    for (Protocol p : Protocol.values()) {
      if (p == Protocol.AUTO) {
        continue; // allocated in the http range (PortAllocation.rangeOf)
      }
      if (ranges == null || ranges.get(p) == null) {
        throw new IllegalArgumentException("CompileSettings.ranges: no range for " + p.wireName());
      }
    }
    for (Protocol a : Protocol.values()) {
      for (Protocol b : Protocol.values()) {
        PortRange ra = ranges.get(a);
        PortRange rb = ranges.get(b);
        if (ra != null
            && rb != null
            && a.ordinal() < b.ordinal()
            && ra.first() <= rb.last()
            && rb.first() <= ra.last()) {
          throw new IllegalArgumentException(
              "CompileSettings.ranges: "
                  + a.wireName()
                  + " "
                  + ra
                  + " overlaps "
                  + b.wireName()
                  + " "
                  + rb);
        }
      }
    }
    ranges = Map.copyOf(ranges);
  }

  /** Settings with ACL mode off. */
  public CompileSettings(String meshNamespace, String meshDomain, Map<Protocol, PortRange> ranges) {
    this(meshNamespace, meshDomain, ranges, false, Protocol.HTTP);
  }

  /** Settings whose Services default to http. */
  public CompileSettings(
      String meshNamespace, String meshDomain, Map<Protocol, PortRange> ranges, boolean acl) {
    this(meshNamespace, meshDomain, ranges, acl, Protocol.HTTP);
  }
}
