package io.nodemesh.dns;

/**
 * Something about the cluster keeps the DNS patch from being applied or undone; the message says
 * what.
 */
public final class DnsPatchException extends RuntimeException {
  public DnsPatchException(String message) {
    super(message);
  }

  public DnsPatchException(String message, Throwable cause) {
    super(message, cause);
  }
}
