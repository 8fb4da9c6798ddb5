package io.nodemesh.smi;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Objects;

/** Ports of a {@link UDPRoute}; empty or absent means every port of the Service. */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public class UDPMatch {
  /** Optional name of the match. */
  private String name;

  /** Destination ports, each 1..65535. */
  private List<Integer> ports;

  /** Creates an empty instance, as Jackson needs. */
  public UDPMatch() {}

  /** Creates an instance with every field set (any may be null). */
  public UDPMatch(String name, List<Integer> ports) {
    this.name = name;
    this.ports = ports;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public List<Integer> getPorts() {
    return ports;
  }

  public void setPorts(List<Integer> ports) {
    this.ports = ports;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof UDPMatch other
        && Objects.equals(name, other.name)
        && Objects.equals(ports, other.ports);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, ports);
  }

  @Override
  public String toString() {
    return "UDPMatch{" + "name=" + name + ", ports=" + ports + "}";
  }
}
