package io.nodemesh.controller.compile;

import io.nodemesh.config.Protocol;
import io.nodemesh.controller.common.PortRange;
import java.util.Map;

/** The compile settings the controller's tests use: namespace nodemesh, domain mesh. */
public final class TestSettings {
  private TestSettings() {}

  /** http 5000-5009, tcp 6000-6009, udp 7000-7009. */
  public static final Map<Protocol, PortRange> RANGES = ranges(5009, 6009, 7009);

  /** Ranges from 5000 (http), 6000 (tcp) and 7000 (udp) up to these last ports. */
  public static Map<Protocol, PortRange> ranges(int httpLast, int tcpLast, int udpLast) {
    return ranges(
        new PortRange(5000, httpLast), new PortRange(6000, tcpLast), new PortRange(7000, udpLast));
  }

  public static Map<Protocol, PortRange> ranges(PortRange http, PortRange tcp, PortRange udp) {
    return Map.of(Protocol.HTTP, http, Protocol.TCP, tcp, Protocol.UDP, udp);
  }

  /** {@link #RANGES}, with ACL mode on or off. */
  public static CompileSettings settings(boolean acl) {
    return new CompileSettings("nodemesh", "mesh", RANGES, acl);
  }
}
