package io.nodemesh.cli.check;

import java.util.Collection;
import java.util.List;
import java.util.Optional;

/** How a check's detail stays one readable line. */
final class CheckText {
  private static final int LISTED = 5;

  private CheckText() {}

  /** The first few, then "and N more", so one line stays readable on a big cluster. */
  static String list(Collection<String> items) {
    List<String> l = List.copyOf(items);
    if (l.size() <= LISTED) {
      return String.join(", ", l);
    }
    return String.join(", ", l.subList(0, LISTED)) + " and " + (l.size() - LISTED) + " more";
  }

  /** The exception's message and its root cause's, on one line. */
  static String oneLine(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String m = Optional.ofNullable(e.getMessage()).orElse(root.getClass().getSimpleName());
    if (root != e && root.getMessage() != null && !m.contains(root.getMessage())) {
      m = m + ": " + root.getMessage();
    }
    return m.lines().findFirst().orElse(m);
  }

  static boolean blank(String s) {
    return s == null || s.isBlank();
  }
}
