package io.nodemesh.controller.common;

/**
 * An inclusive range of proxy ports, such as {@code 5000-9999}.
 *
 * @param first the lowest port of the range
 * @param last the highest port of the range, not lower than {@code first}
 */
public record PortRange(int first, int last) {
  public PortRange {
    if (first < 1 || first > 65535 || last < 1 || last > 65535) {
      throw new IllegalArgumentException(
          "port range " + first + "-" + last + ": ports must be in 1..65535");
    }
    if (last < first) {
      throw new IllegalArgumentException(
          "port range " + first + "-" + last + ": last is lower than first");
    }
  }

  /**
   * Parses {@code "5000-9999"} (or a single port {@code "5000"}).
   *
   * @throws IllegalArgumentException naming the text and what is wrong with it
   */
  public static PortRange parse(String s) {
    if (s == null || s.isBlank()) {
      throw new IllegalArgumentException("port range is empty (expected e.g. 5000-9999)");
    }
    String text = s.trim();
    int dash = text.indexOf('-', 1);
    try {
      if (dash < 0) {
        int port = Integer.parseInt(text);
        return new PortRange(port, port);
      }
      return new PortRange(
          Integer.parseInt(text.substring(0, dash).trim()),
          Integer.parseInt(text.substring(dash + 1).trim()));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "port range '" + s + "' is not of the form FIRST-LAST (e.g. 5000-9999)", e);
    }
  }

  /** How many ports the range holds. */
  public int size() {
    return last - first + 1;
  }

  public boolean contains(int port) {
    return port >= first && port <= last;
  }

  @Override
  public String toString() {
    return first + "-" + last;
  }
}
