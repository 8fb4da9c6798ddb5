package io.nodemesh.smi;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Objects;

/** Desired state of a {@link UDPRoute}. */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public class UDPRouteSpec {
  /** The destination ports this route covers. */
  private UDPMatch matches;

  /** Creates an empty instance, as Jackson needs. */
  public UDPRouteSpec() {}

  /** Creates an instance with every field set (any may be null). */
  public UDPRouteSpec(UDPMatch matches) {
    this.matches = matches;
  }

  public UDPMatch getMatches() {
    return matches;
  }

  public void setMatches(UDPMatch matches) {
    this.matches = matches;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof UDPRouteSpec other && Objects.equals(matches, other.matches);
  }

  @Override
  public int hashCode() {
    return Objects.hash(matches);
  }

  @Override
  public String toString() {
    return "UDPRouteSpec{" + "matches=" + matches + "}";
  }
}
