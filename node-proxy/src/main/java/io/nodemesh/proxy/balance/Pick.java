package io.nodemesh.proxy.balance;

/** The outcome of routing one request within a listener. */
public sealed interface Pick {
  /** Forward to {@code target}, an endpoint of the backend Service {@code service}. */
  record Forward(String service, Target target) implements Pick {}

  /** Nothing can serve the request; {@code message} is the one-line 503 body. */
  record Unavailable(String message) implements Pick {}
}
