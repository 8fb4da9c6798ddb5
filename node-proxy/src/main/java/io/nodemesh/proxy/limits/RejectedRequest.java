package io.nodemesh.proxy.limits;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.Objects;

/**
 * The decoder result of a request head that the proxy refuses: the answer to send and the reason
 * already counted. Carries no stack trace; it describes the client's mistake, not ours.
 */
public final class RejectedRequest extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient HttpResponseStatus status;
  private final RejectReason reason;

  public RejectedRequest(HttpResponseStatus status, RejectReason reason, String message) {
    super(message, null, false, false);
    this.status = Objects.requireNonNull(status, "rejected request status");
    this.reason = Objects.requireNonNull(reason, "rejected request reason");
  }

  public HttpResponseStatus status() {
    return status;
  }

  public RejectReason reason() {
    return reason;
  }
}
