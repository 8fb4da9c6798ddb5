package io.nodemesh.controller.compile;

import io.nodemesh.config.Protocol;
import java.util.Comparator;
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
  private static final Comparator<PortKey> ORDER =
      Comparator.comparing(PortKey::namespace)
          .thenComparing(PortKey::service)
          .thenComparingInt(PortKey::port)
          .thenComparing(PortKey::protocol);

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
    return ORDER.compare(this, o);
  }

  @Override
  public String toString() {
    return namespace + "/" + service + ":" + port + "/" + protocol.wireName();
  }
}
