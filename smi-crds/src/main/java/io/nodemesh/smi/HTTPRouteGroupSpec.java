package io.nodemesh.smi;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Objects;

/** Desired state of an {@link HTTPRouteGroup}: named HTTP matches, OR-ed together. */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public class HTTPRouteGroupSpec {
  /** Named HTTP request matches. */
  private List<HTTPMatch> matches;

  /** Creates an empty instance, as Jackson needs. */
  public HTTPRouteGroupSpec() {}

  /** Creates an instance with every field set (any may be null). */
  public HTTPRouteGroupSpec(List<HTTPMatch> matches) {
    this.matches = matches;
  }

  public List<HTTPMatch> getMatches() {
    return matches;
  }

  public void setMatches(List<HTTPMatch> matches) {
    this.matches = matches;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof HTTPRouteGroupSpec other && Objects.equals(matches, other.matches);
  }

  @Override
  public int hashCode() {
    return Objects.hash(matches);
  }

  @Override
  public String toString() {
    return "HTTPRouteGroupSpec{" + "matches=" + matches + "}";
  }
}
