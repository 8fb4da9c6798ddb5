package io.nodemesh.cli;

/** A failure the user can fix (a port in use, an unreachable API server): reported in one line. */
final class UserError extends RuntimeException {
  UserError(String message, Throwable cause) {
    super(message, cause);
  }

  UserError(String message) {
    super(message);
  }
}
