package io.nodemesh.smi;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Objects;

/** Desired state of a {@link TCPRoute}. */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TCPRouteSpec {
  /** The destination ports this route covers. */
  private TCPMatch matches;

  /** Creates an empty instance, as Jackson needs. */
  public TCPRouteSpec() {}

  /** Creates an instance with every field set (any may be null). */
  public TCPRouteSpec(TCPMatch matches) {
    this.matches = matches;
  }

  public TCPMatch getMatches() {
    return matches;
  }

  public void setMatches(TCPMatch matches) {
    this.matches = matches;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TCPRouteSpec other && Objects.equals(matches, other.matches);
  }

  @Override
  public int hashCode() {
    return Objects.hash(matches);
  }

  @Override
  public String toString() {
    return "TCPRouteSpec{" + "matches=" + matches + "}";
  }
}
