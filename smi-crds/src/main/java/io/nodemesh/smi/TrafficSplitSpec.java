package io.nodemesh.smi;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Objects;

/**
 * Desired state of a {@link TrafficSplit}: the root Service, its weighted backends and the
 * HTTPRouteGroups whose matching requests are split (all requests when absent).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TrafficSplitSpec {
  /** The root Service clients call: a plain name or an FQDN in the split's namespace. */
  private String service;

  /** Weighted backend Services in the split's namespace. */
  private List<TrafficSplitBackend> backends;

  /** Optional HTTPRouteGroup references restricting which requests are split. */
  private List<TrafficSplitMatch> matches;

  /** Creates an empty instance, as Jackson needs. */
  public TrafficSplitSpec() {}

  /** Creates an instance with every field set (any may be null). */
  public TrafficSplitSpec(
      String service, List<TrafficSplitBackend> backends, List<TrafficSplitMatch> matches) {
    this.service = service;
    this.backends = backends;
    this.matches = matches;
    if (backends != null) {
      Weights.resolve(backends);
    }
  }

  public String getService() {
    return service;
  }

  public void setService(String service) {
    this.service = service;
  }

  public List<TrafficSplitBackend> getBackends() {
    return backends;
  }

  /**
   * Sets the backends and works out integer weights from v1alpha1 quantities (see {@link Weights}):
   * a split that mixes {@code "1"} and {@code "500m"} counts every weight in thousandths.
   */
  public void setBackends(List<TrafficSplitBackend> backends) {
    this.backends = backends;
    if (backends != null) {
      Weights.resolve(backends);
    }
  }

  public List<TrafficSplitMatch> getMatches() {
    return matches;
  }

  public void setMatches(List<TrafficSplitMatch> matches) {
    this.matches = matches;
  }

  /**
   * Whether every backend has weight 0 (null weights count as 0), or there is no backend. Valid at
   * this level; the controller answers such a split with 503 rather than routing anywhere.
   */
  public boolean allWeightsZero() {
    return backends == null
        || backends.stream()
            .allMatch(b -> b == null || b.getWeight() == null || b.getWeight() == 0);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TrafficSplitSpec other
        && Objects.equals(service, other.service)
        && Objects.equals(backends, other.backends)
        && Objects.equals(matches, other.matches);
  }

  @Override
  public int hashCode() {
    return Objects.hash(service, backends, matches);
  }

  @Override
  public String toString() {
    return "TrafficSplitSpec{"
        + "service="
        + service
        + ", backends="
        + backends
        + ", matches="
        + matches
        + "}";
  }
}
