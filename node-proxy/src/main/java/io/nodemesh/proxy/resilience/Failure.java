package io.nodemesh.proxy.resilience;

/** Why one attempt at an endpoint failed. */
public enum Failure {
  /** The TCP connect failed or timed out: nothing reached the backend, so any method may retry. */
  CONNECT,
  /** The connection closed or reset before a complete response head. */
  RESET,
  /** No response head within the per-try or request timeout. */
  TIMEOUT,
  /** The backend answered 502, 503 or 504. */
  STATUS;

  /** Whether the request may have reached the backend (and been acted upon). */
  public boolean reachedBackend() {
    return this != CONNECT;
  }
}
