package io.nodemesh.smi;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.math.BigDecimal;
import java.util.Objects;

/**
 * One weighted backend of a {@link TrafficSplit}; weights are relative to each other.
 *
 * <p>v1alpha2 and later write the weight as an integer. v1alpha1, which Flagger's and Argo
 * Rollouts' SMI providers write, makes it a Kubernetes quantity ({@code "90"}, {@code "500m"},
 * {@code 1}); it is read by {@link Weights} and turned into an integer weight by {@link
 * TrafficSplitSpec#setBackends}, which knows the other backends' weights (a fraction such as {@code
 * 500m} puts every weight of the split in thousandths).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TrafficSplitBackend {
  /** Name of the backend Service in the split's namespace. */
  private String service;

  /** Relative, non-negative weight; 0 sends nothing to this backend. */
  @JsonIgnore private Integer weight;

  /** The weight as written when it was a quantity string (v1alpha1), else null. */
  @JsonIgnore private String quantity;

  /** Why the written weight was refused, else null. */
  @JsonIgnore private String weightProblem;

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

  /** The integer weight: as written (v1alpha2+), or from the quantity (v1alpha1); null if none. */
  @JsonIgnore
  public Integer getWeight() {
    return weight;
  }

  @JsonIgnore
  public void setWeight(Integer weight) {
    this.weight = weight;
    this.quantity = null;
    this.weightProblem = null;
  }

  /** The weight as written when it was a quantity string (v1alpha1), else null. */
  @JsonIgnore
  public String quantity() {
    return quantity;
  }

  /** Why the written weight could not be read (e.g. not a quantity), else null. */
  @JsonIgnore
  public String weightProblem() {
    return weightProblem;
  }

  /** Sets the integer weight worked out from the quantity (see TrafficSplitSpec). */
  void resolveWeight(Integer weight, String problem) {
    this.weight = weight;
    this.weightProblem = problem;
  }

  /** Makes an integer weight the quantity of that integer (see Weights#resolve). */
  void integerAsQuantity() {
    quantity = Integer.toString(weight);
  }

  /** The parsed value of {@link #quantity()}, or null. */
  BigDecimal quantityValue() {
    return quantity == null || weightProblem != null ? null : Weights.parse(quantity);
  }

  /** What Jackson writes: the quantity string back as it came, else the integer. */
  @JsonProperty("weight")
  private Object weightJson() {
    return quantity != null ? quantity : weight;
  }

  /** What Jackson reads: an integer (v1alpha2+) or a quantity (v1alpha1). */
  @JsonProperty("weight")
  private void weightJson(Object written) {
    weight = null;
    quantity = null;
    weightProblem = null;
    switch (written) {
      case null -> {}
      case Integer i -> weight = i;
      case String s -> {
        quantity = s;
        weightProblem = Weights.problem(s);
        BigDecimal v = weightProblem == null ? Weights.parse(s) : null;
        // A whole number stands for itself until the spec sees a fraction elsewhere.
        weight = v != null && v.stripTrailingZeros().scale() <= 0 ? v.intValueExact() : null;
      }
      default ->
          weightProblem =
              "must be a whole number or a quantity string such as \"500m\" (got %s)"
                  .formatted(Weights.shorten(String.valueOf(written)));
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TrafficSplitBackend other
        && Objects.equals(service, other.service)
        && Objects.equals(weight, other.weight)
        && Objects.equals(quantity, other.quantity);
  }

  @Override
  public int hashCode() {
    return Objects.hash(service, weight, quantity);
  }

  @Override
  public String toString() {
    return "TrafficSplitBackend{"
        + "service="
        + service
        + ", weight="
        + weight
        + (quantity == null ? "" : ", quantity=" + quantity)
        + "}";
  }
}
