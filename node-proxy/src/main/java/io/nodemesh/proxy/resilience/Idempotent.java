package io.nodemesh.proxy.resilience;

/**
 * The one rule of which request methods may be sent again: the idempotent ones of RFC 9110 §9.2.2,
 * whose repeated effect on the server is that of one request. The balancer retries only them after
 * a failure that may have reached the backend ({@code balance.CompiledRoute}), and the tunnel's
 * destination resends only them when a pod closes a pooled connection before answering ({@code
 * tunnel.DestinationStream}, RFC 9112 §9.3.1). Method names are case-sensitive (RFC 9110 §9.1):
 * "get" is an unknown method, never retried.
 */
public final class Idempotent {
  private Idempotent() {}

  /** Whether a request of method {@code name} may be repeated (RFC 9110 §9.2.2). */
  public static boolean method(String name) {
    return switch (name) {
      case "GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE" -> true;
      default -> false;
    };
  }
}
