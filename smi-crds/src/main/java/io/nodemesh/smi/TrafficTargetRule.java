package io.nodemesh.smi;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Objects;

/** A rule of a {@link TrafficTarget}: a route object and optionally a subset of its matches. */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TrafficTargetRule {
  /** Kind of route: {@code HTTPRouteGroup}, {@code TCPRoute} or {@code UDPRoute}. */
  private String kind;

  /** Name of the route object in the TrafficTarget's namespace. */
  private String name;

  /** Names of the route's matches allowed; absent means all of them. */
  private List<String> matches;

  /** Creates an empty instance, as Jackson needs. */
  public TrafficTargetRule() {}

  /** Creates an instance with every field set (any may be null). */
  public TrafficTargetRule(String kind, String name, List<String> matches) {
    this.kind = kind;
    this.name = name;
    this.matches = matches;
  }

  public String getKind() {
    return kind;
  }

  public void setKind(String kind) {
    this.kind = kind;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public List<String> getMatches() {
    return matches;
  }

  public void setMatches(List<String> matches) {
    this.matches = matches;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TrafficTargetRule other
        && Objects.equals(kind, other.kind)
        && Objects.equals(name, other.name)
        && Objects.equals(matches, other.matches);
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, name, matches);
  }

  @Override
  public String toString() {
    return "TrafficTargetRule{" + "kind=" + kind + ", name=" + name + ", matches=" + matches + "}";
  }
}
