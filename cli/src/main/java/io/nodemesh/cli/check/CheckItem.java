package io.nodemesh.cli.check;

/**
 * One line of the {@code check} report.
 *
 * @param name short and stable, e.g. {@code dns}; scripts may grep for it
 * @param status the verdict
 * @param detail what was found, and for a failure what to do
 */
public record CheckItem(String name, Status status, String detail) {
  /** {@code WARN} does not fail the check; {@code SKIP} means an earlier failure made it moot. */
  public enum Status {
    PASS,
    WARN,
    FAIL,
    SKIP
  }

  public CheckItem {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("CheckItem.name must not be empty");
    }
    if (status == null) {
      throw new IllegalArgumentException("CheckItem.status of '" + name + "' must not be null");
    }
    detail = detail == null ? "" : detail;
  }

  static CheckItem pass(String name, String detail) {
    return new CheckItem(name, Status.PASS, detail);
  }

  static CheckItem warn(String name, String detail) {
    return new CheckItem(name, Status.WARN, detail);
  }

  static CheckItem fail(String name, String detail) {
    return new CheckItem(name, Status.FAIL, detail);
  }

  /** {@code PASS dns CoreDNS 1.11.1 ...}: fixed columns so a report reads as a table. */
  public String line() {
    return "%-4s  %-13s %s".formatted(status, name, detail);
  }
}
