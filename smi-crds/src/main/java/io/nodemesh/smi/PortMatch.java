package io.nodemesh.smi;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Objects;

/**
 * The shape TCPRoute and UDPRoute share: an optional name and destination ports, where empty or
 * absent means every port of the Service. Subclasses exist so each kind keeps its own type.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public abstract class PortMatch {
  /** Optional name of the match. */
  private String name;

  /** Destination ports, each 1..65535. */
  private List<Integer> ports;

  protected PortMatch() {}

  protected PortMatch(String name, List<Integer> ports) {
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
    return o != null
        && o.getClass() == getClass()
        && Objects.equals(name, ((PortMatch) o).name)
        && Objects.equals(ports, ((PortMatch) o).ports);
  }

  @Override
  public int hashCode() {
    return Objects.hash(getClass(), name, ports);
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "{name=" + name + ", ports=" + ports + "}";
  }
}
