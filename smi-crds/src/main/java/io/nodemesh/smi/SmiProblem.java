package io.nodemesh.smi;

import java.util.Objects;

/**
 * One thing wrong with an SMI object, precise enough for a Kubernetes Event or a log line: which
 * object, which field (a JSON path such as {@code spec.backends[1].weight}) and what is wrong.
 *
 * @param kind the object's kind, e.g. {@code TrafficSplit}
 * @param namespace the object's namespace, or null when it has none (e.g. read from a local file)
 * @param name the object's name, or null when it has none
 * @param field the offending field as a JSON path from the object's root
 * @param message what is wrong, with the offending value where that helps
 */
public record SmiProblem(String kind, String namespace, String name, String field, String message) {

  public SmiProblem {
    Objects.requireNonNull(kind, "SmiProblem.kind must not be null");
    Objects.requireNonNull(field, "SmiProblem.field must not be null");
    Objects.requireNonNull(message, "SmiProblem.message must not be null");
    if (kind.isBlank() || field.isBlank() || message.isBlank()) {
      throw new IllegalArgumentException(
          "SmiProblem kind, field and message must not be blank"
              + " (got kind='%s', field='%s', message='%s')".formatted(kind, field, message));
    }
  }

  /**
   * Whether this problem concerns {@code fieldPrefix} or something inside it: {@code
   * isUnder("spec.backends")} holds for {@code spec.backends}, {@code spec.backends[1].weight}, but
   * not for {@code spec.backendsX}. Lets a caller leave out one bad backend and keep the rest.
   */
  public boolean isUnder(String fieldPrefix) {
    return field.equals(fieldPrefix)
        || field.startsWith(fieldPrefix)
            && (field.charAt(fieldPrefix.length()) == '.'
                || field.charAt(fieldPrefix.length()) == '[');
  }

  /** The object as {@code namespace/name} (or just the name, or {@code <unnamed>}). */
  public String objectRef() {
    String shownName = name == null || name.isBlank() ? "<unnamed>" : name;
    return namespace == null || namespace.isBlank() ? shownName : namespace + "/" + shownName;
  }

  /** E.g. {@code TrafficSplit shop/echo-split: spec.backends[1].weight: must be >= 0 (got -5)}. */
  @Override
  public String toString() {
    return kind + " " + objectRef() + ": " + field + ": " + message;
  }
}
