package io.nodemesh.smi;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Objects;

/** One weighted backend of a {@link TrafficSplit}; weights are relative to each other. */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TrafficSplitBackend {
  /** Name of the backend Service in the split's namespace. */
  private String service;

  /** Relative, non-negative weight; 0 sends nothing to this backend. */
  private Integer weight;

  /** Creates an empty instance, as Jackson needs. */
  public TrafficSplitBackend() {}

  /** Creates an instance with every field set (any may be null). */
  public TrafficSplitBackend(String service, Integer weight) {
    this.service = service;
    this.weight = weight;
  }

  public String getService() {
    return service;
  }

  public void setService(String service) {
    this.service = service;
  }

  public Integer getWeight() {
    return weight;
  }

  public void setWeight(Integer weight) {
    this.weight = weight;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TrafficSplitBackend other
        && Objects.equals(service, other.service)
        && Objects.equals(weight, other.weight);
  }

  @Override
  public int hashCode() {
    return Objects.hash(service, weight);
  }

  @Override
  public String toString() {
    return "TrafficSplitBackend{" + "service=" + service + ", weight=" + weight + "}";
  }
}
