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
 * @param defaultTrafficType the traffic type of a Service port that declares nothing (rule 5 of
 *     docs/protocols.md); null means {@link #DEFAULT_TRAFFIC_TYPE}
 */
public record CompileSettings(
    String meshNamespace,
    String meshDomain,
    Map<Protocol, PortRange> ranges,
    boolean acl,
    Protocol defaultTrafficType) {
  /**
   * The traffic type of a TCP port that declares nothing: detected from each connection's first
   * bytes (issue 17), so that meshing a MySQL or SMTP Service does not break it.
   */
  public static final Protocol DEFAULT_TRAFFIC_TYPE = Protocol.AUTO;

  /** {@link #DEFAULT_TRAFFIC_TYPE}'s wire name, a constant for command-line defaults. */
  public static final String DEFAULT_TRAFFIC_TYPE_NAME = "auto";

  public CompileSettings {
    defaultTrafficType = defaultTrafficType == null ? DEFAULT_TRAFFIC_TYPE : defaultTrafficType;
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

  /**
   * Settings with ACL mode off whose undeclared ports are http: the compiler tests' fixture, which
   * predates detection; the product default is {@link #DEFAULT_TRAFFIC_TYPE}.
   */
  public CompileSettings(String meshNamespace, String meshDomain, Map<Protocol, PortRange> ranges) {
    this(meshNamespace, meshDomain, ranges, false, Protocol.HTTP);
  }

  /** As {@link #CompileSettings(String, String, Map)}, with ACL mode chosen. */
  public CompileSettings(
      String meshNamespace, String meshDomain, Map<Protocol, PortRange> ranges, boolean acl) {
    this(meshNamespace, meshDomain, ranges, acl, Protocol.HTTP);
  }
}
