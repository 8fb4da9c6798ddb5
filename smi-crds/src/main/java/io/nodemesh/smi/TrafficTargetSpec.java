package io.nodemesh.smi;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Objects;

/**
 * Desired state of a {@link TrafficTarget}: which sources may reach the destination, and with which
 * traffic (rules).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TrafficTargetSpec {
  /** The protected pods, named by their ServiceAccount. */
  private IdentityBindingSubject destination;

  /** What the sources may do; no rule allows nothing. */
  private List<TrafficTargetRule> rules;

  /** The callers, named by their ServiceAccount. */
  private List<IdentityBindingSubject> sources;

  /** Creates an empty instance, as Jackson needs. */
  public TrafficTargetSpec() {}

  /** Creates an instance with every field set (any may be null). */
  public TrafficTargetSpec(
      IdentityBindingSubject destination,
      List<TrafficTargetRule> rules,
      List<IdentityBindingSubject> sources) {
    this.destination = destination;
    this.rules = rules;
    this.sources = sources;
  }

  public IdentityBindingSubject getDestination() {
    return destination;
  }

  public void setDestination(IdentityBindingSubject destination) {
    this.destination = destination;
  }

  public List<TrafficTargetRule> getRules() {
    return rules;
  }

  public void setRules(List<TrafficTargetRule> rules) {
    this.rules = rules;
  }

  public List<IdentityBindingSubject> getSources() {
    return sources;
  }

  public void setSources(List<IdentityBindingSubject> sources) {
    this.sources = sources;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TrafficTargetSpec other
        && Objects.equals(destination, other.destination)
        && Objects.equals(rules, other.rules)
        && Objects.equals(sources, other.sources);
  }

  @Override
  public int hashCode() {
    return Objects.hash(destination, rules, sources);
  }

  @Override
  public String toString() {
    return "TrafficTargetSpec{"
        + "destination="
        + destination
        + ", rules="
        + rules
        + ", sources="
        + sources
        + "}";
  }
}
