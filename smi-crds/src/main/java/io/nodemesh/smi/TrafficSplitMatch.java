package io.nodemesh.smi;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Objects;

/**
 * A reference from a {@link TrafficSplit} to the HTTPRouteGroup whose matches select the split
 * traffic.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TrafficSplitMatch {
  /** Kind of the referenced object; only {@code HTTPRouteGroup} is valid. */
  private String kind;

  /** Name of the referenced object in the split's namespace. */
  private String name;

  /** API group of the referenced object, normally {@code specs.smi-spec.io}. */
  private String apiGroup;

  /** Creates an empty instance, as Jackson needs. */
  public TrafficSplitMatch() {}

  /** Creates an instance with every field set (any may be null). */
  public TrafficSplitMatch(String kind, String name, String apiGroup) {
    this.kind = kind;
    this.name = name;
    this.apiGroup = apiGroup;
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

  public String getApiGroup() {
    return apiGroup;
  }

  public void setApiGroup(String apiGroup) {
    this.apiGroup = apiGroup;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TrafficSplitMatch other
        && Objects.equals(kind, other.kind)
        && Objects.equals(name, other.name)
        && Objects.equals(apiGroup, other.apiGroup);
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, name, apiGroup);
  }

  @Override
  public String toString() {
    return "TrafficSplitMatch{"
        + "kind="
        + kind
        + ", name="
        + name
        + ", apiGroup="
        + apiGroup
        + "}";
  }
}
