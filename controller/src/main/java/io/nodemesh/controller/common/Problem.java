package io.nodemesh.controller.common;

import io.nodemesh.smi.SmiProblem;
import java.util.Objects;

/**
 * One thing wrong with an object the controller reads, precise enough for a Kubernetes Event or a
 * log line.
 *
 * @param kind the object's kind ({@code Service}, {@code TrafficSplit}, or {@code File} for a local
 *     file that does not parse)
 * @param namespace the object's namespace, or null (files)
 * @param name the object's name (for files: the path)
 * @param field the offending field as a JSON path, e.g. {@code spec.backends[1].service}
 * @param message what is wrong, naming the value where that helps
 * @param reason why, as an Event reason, e.g. {@link ProblemReason#BACKEND_NOT_FOUND}
 */
public record Problem(
    String kind,
    String namespace,
    String name,
    String field,
    String message,
    ProblemReason reason) {

  public Problem {
    Objects.requireNonNull(kind, "Problem.kind");
    Objects.requireNonNull(field, "Problem.field");
    Objects.requireNonNull(message, "Problem.message");
    reason = reason == null ? ProblemReason.INVALID_SPEC : reason;
    field = printable(field);
    message = printable(message);
  }

  /**
   * {@code s} with control characters escaped as Java escapes (a newline as backslash-n, BEL as
   * backslash-u0007). Messages quote what an object's owner wrote (an annotation value, a regex, a
   * header name), and a raw newline there would let them forge lines in the controller's log and in
   * Events.
   */
  static String printable(String s) {
    StringBuilder b = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean control = Character.isISOControl(c) || c == '\u2028' || c == '\u2029';
      if (control && b == null) {
        b = new StringBuilder(s.length() + 8).append(s, 0, i);
      }
      if (!control) {
        if (b != null) {
          b.append(c);
        }
      } else if (c == '\n') {
        b.append("\\n");
      } else if (c == '\r') {
        b.append("\\r");
      } else if (c == '\t') {
        b.append("\\t");
      } else {
        b.append(String.format("\\u%04x", (int) c));
      }
    }
    return b == null ? s : b.toString();
  }

  /** A problem with the generic reason {@code InvalidSpec}. */
  public Problem(String kind, String namespace, String name, String field, String message) {
    this(kind, namespace, name, field, message, ProblemReason.INVALID_SPEC);
  }

  /** Wraps an SMI validation problem. */
  public static Problem of(SmiProblem p) {
    return new Problem(
        p.kind(), p.namespace(), p.name(), p.field(), p.message(), ProblemReason.INVALID_SPEC);
  }

  /** {@code namespace/name}, or the name alone. */
  public String objectRef() {
    String n = name == null || name.isBlank() ? "<unnamed>" : name;
    return namespace == null || namespace.isBlank() ? n : namespace + "/" + n;
  }

  /**
   * E.g. {@code TrafficSplit shop/echo: spec.backends[1].service: Service 'v3' not found
   * (BackendNotFound)}.
   */
  @Override
  public String toString() {
    return kind + " " + objectRef() + ": " + field + ": " + message + " (" + reason + ")";
  }
}
