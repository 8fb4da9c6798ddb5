package io.nodemesh.smi;

import java.math.BigDecimal;
import java.util.List;
import java.util.regex.Pattern;

/**
 * TrafficSplit v1alpha1 weights: Kubernetes quantities, limited to what a weight needs. Accepted: a
 * whole or decimal number with at most three decimals, optionally with the suffix {@code m}
 * (thousandths) or {@code k} (thousands), e.g. {@code 90}, {@code 1}, {@code 500m}, {@code 0.25},
 * {@code 2k}; at most 16 characters. Binary suffixes, exponents and signs are refused: no weight
 * needs them, and each is a way to write a number too large or too precise for an integer weight.
 *
 * <p>A split whose weights are all whole numbers keeps them as they are ({@code "90"} is 90, as in
 * v1alpha2). If any weight has a fraction ({@code 500m}, {@code 0.25}), every weight of that split
 * is counted in thousandths ({@code 1} becomes 1000), so the ratios stay exact.
 */
public final class Weights {
  /** Longest quantity string read; longer ones are refused before any parsing. */
  static final int MAX_LENGTH = 16;

  /** Largest weight, in thousandths: keeps every weight within a Java int. */
  static final BigDecimal MAX = BigDecimal.valueOf(Integer.MAX_VALUE / 1000);

  static final Pattern QUANTITY = Pattern.compile("[0-9]{1,10}(\\.[0-9]{1,3})?[mk]?");
  private static final BigDecimal THOUSAND = BigDecimal.valueOf(1000);

  private Weights() {}

  /** Why {@code q} is not a weight we accept, or null when it is. */
  static String problem(String q) {
    if (q.length() > MAX_LENGTH || !QUANTITY.matcher(q).matches()) {
      return ("must be a whole number or a quantity such as \"500m\" or \"0.5\" (at most three"
              + " decimals, suffix m or k, %d characters), got \"%s\"")
          .formatted(MAX_LENGTH, shorten(q));
    }
    BigDecimal v = parse(q);
    if (v.compareTo(MAX) > 0) {
      return "must be at most %s (got \"%s\")".formatted(MAX, q);
    }
    if (v.multiply(THOUSAND).stripTrailingZeros().scale() > 0) {
      return "must be a whole number of thousandths (got \"%s\")".formatted(q);
    }
    return null;
  }

  /** The value of an accepted quantity ({@link #problem} returned null). */
  static BigDecimal parse(String q) {
    char last = q.charAt(q.length() - 1);
    return switch (last) {
      case 'm' -> new BigDecimal(q.substring(0, q.length() - 1)).movePointLeft(3);
      case 'k' -> new BigDecimal(q.substring(0, q.length() - 1)).movePointRight(3);
      default -> new BigDecimal(q);
    };
  }

  /**
   * Turns the quantities of one split's backends into integer weights: whole numbers as they are,
   * or every weight in thousandths when one has a fraction. Backends written as integers (a
   * v1alpha1 document may mix {@code 1} and {@code "500m"}) are scaled with the rest.
   */
  static void resolve(List<TrafficSplitBackend> backends) {
    boolean fraction = false;
    boolean anyQuantity = false;
    for (TrafficSplitBackend b : backends) {
      BigDecimal v = b == null ? null : b.quantityValue();
      if (v != null) {
        anyQuantity = true;
        fraction |= v.stripTrailingZeros().scale() > 0;
      }
    }
    if (!anyQuantity || !fraction) {
      return;
    }
    for (TrafficSplitBackend b : backends) {
      if (b == null || b.weightProblem() != null) {
        continue;
      }
      if (b.quantity() == null && b.getWeight() != null) {
        // Written as an integer: from now on it is the quantity of that integer, so resolving
        // again (a copy, a second setBackends) scales it once, not twice.
        b.integerAsQuantity();
      }
      BigDecimal v = b.quantityValue();
      if (v == null) {
        continue;
      }
      BigDecimal milli = v.multiply(THOUSAND);
      if (milli.compareTo(BigDecimal.valueOf(Integer.MAX_VALUE)) > 0) {
        b.resolveWeight(null, "must be at most %s next to a fractional weight".formatted(MAX));
      } else {
        b.resolveWeight(milli.intValueExact(), null);
      }
    }
  }

  /** At most 40 characters of a written value, for messages. */
  static String shorten(String s) {
    return s.length() <= 40 ? s : s.substring(0, 40) + "...";
  }
}
