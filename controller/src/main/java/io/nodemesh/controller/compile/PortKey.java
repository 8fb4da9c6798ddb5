package io.nodemesh.controller.compile;

import io.nodemesh.config.Protocol;
import java.util.Objects;

/**
 * What a proxy port is allocated to: one port of one Service, spoken with one protocol.
 *
 * @param namespace the Service's namespace
 * @param service the Service's name
 * @param port the Service port number
 * @param protocol the traffic type of that port
 */
public record PortKey(String namespace, String service, int port, Protocol protocol)
    implements Comparable<PortKey> {
  public PortKey {
    Objects.requireNonNull(namespace, "PortKey.namespace");
    Objects.requireNonNull(service, "PortKey.service");
    Objects.requireNonNull(protocol, "PortKey.protocol");
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException(
          "PortKey " + namespace + "/" + service + ": port " + port + " is not in 1..65535");
    }
  }

  @Override
  public int compareTo(PortKey o) {
    // Hand-written rather than a Comparator chain: the allocation map compares keys about 150,000
    // times per compile at 10,000 Services.
    int c = namespace.compareTo(o.namespace);
    if (c == 0) {
      c = service.compareTo(o.service);
    }
    if (c == 0) {
      c = Integer.compare(port, o.port);
    }
    return c != 0 ? c : protocol.compareTo(o.protocol);
  }

  @Override
  public String toString() {
    return namespace + "/" + service + ":" + port + "/" + protocol.wireName();
  }
}
