package io.nodemesh.smi;

import java.util.List;

/** Ports of a {@link TCPRoute}; empty or absent means every port of the Service. */
public class TCPMatch extends PortMatch {
  /** Creates an empty instance, as Jackson needs. */
  public TCPMatch() {}

  /** Creates an instance with every field set (any may be null). */
  public TCPMatch(String name, List<Integer> ports) {
    super(name, ports);
  }
}
