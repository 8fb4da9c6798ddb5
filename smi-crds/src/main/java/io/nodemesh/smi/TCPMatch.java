package io.nodemesh.smi;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Objects;

/** Ports of a {@link TCPRoute}; empty or absent means every port of the Service. */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TCPMatch {
  /** Optional name of the match. */
  private String name;

  /** Destination ports, each 1..65535. */
  private List<Integer> ports;

  /** Creates an empty instance, as Jackson needs. */
  public TCPMatch() {}

  /** Creates an instance with every field set (any may be null). */
  public TCPMatch(String name, List<Integer> ports) {
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
    return o instanceof TCPMatch other
        && Objects.equals(name, other.name)
        && Objects.equals(ports, other.ports);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, ports);
  }

  @Override
  public String toString() {
    return "TCPMatch{" + "name=" + name + ", ports=" + ports + "}";
  }
}
