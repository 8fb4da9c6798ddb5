package io.nodemesh.smi;

import java.util.List;

/** Ports of a {@link UDPRoute}; empty or absent means every port of the Service. */
public class UDPMatch extends PortMatch {
  /** Creates an empty instance, as Jackson needs. */
  public UDPMatch() {}

  /** Creates an instance with every field set (any may be null). */
  public UDPMatch(String name, List<Integer> ports) {
    super(name, ports);
  }
}
