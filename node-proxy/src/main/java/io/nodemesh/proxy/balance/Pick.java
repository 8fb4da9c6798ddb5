package io.nodemesh.proxy.balance;

/** The outcome of routing one request within a listener. */
public sealed interface Pick {
  /**
   * Forward to {@code target}, an endpoint of the backend Service {@code service}.
   *
   * @param call the call that tracks outcomes and retries; null when the pick is not tracked
   */
  record Forward(String service, Target target, Call call) implements Pick {
    public Forward(String service, Target target) {
      this(service, target, null);
    }
  }

  /**
   * Nothing can serve the request.
   *
   * @param message the one-line body
   * @param status the HTTP status to answer with: 503, or 429 when rate limited
   */
  record Unavailable(String message, int status) implements Pick {
    public static final int SERVICE_UNAVAILABLE = 503;
    public static final int TOO_MANY_REQUESTS = 429;

    /** No endpoint runs under a service account that allows the caller (ACL mode). */
    public static final int FORBIDDEN = 403;

    public Unavailable(String message) {
      this(message, SERVICE_UNAVAILABLE);
    }
  }
}
