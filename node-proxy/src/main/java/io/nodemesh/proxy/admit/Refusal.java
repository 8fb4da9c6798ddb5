package io.nodemesh.proxy.admit;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.nodemesh.proxy.balance.Call;
import io.nodemesh.proxy.limits.RejectReason;
import io.nodemesh.proxy.limits.Rejections;
import io.nodemesh.proxy.listener.CompiledListener;
import io.nodemesh.proxy.routing.Route;

/**
 * A request the proxy answers itself instead of forwarding it. Every refusal of the request path is
 * one of these, and {@link Admission#refuse} is its one way out: it releases what the request held,
 * counts it, and makes the answer.
 *
 * @param listener the listener the request was for, or null when none
 * @param reason counted under this reason in {@code nodemesh_rejected_requests_total}; null when
 *     the listener's request metrics count it, or when it is counted already
 * @param counted whether {@code reason} was counted where it was found (the request guard, the
 *     in-flight limiter)
 * @param close whether the connection closes after the answer: a malformed or hostile request
 * @param call the attempt state to release (a breaker permit), or null
 */
public record Refusal(
    HttpResponseStatus status,
    String message,
    CompiledListener listener,
    RejectReason reason,
    boolean counted,
    boolean close,
    Call call) {

  /** Malformed or hostile: counted under {@code reason}, and the connection closes. */
  static Refusal malformed(
      HttpResponseStatus status, String message, CompiledListener listener, RejectReason reason) {
    return new Refusal(status, message, listener, reason, false, true, null);
  }

  /** The route or balance stage answers (404, 403, 429, 503); the connection may stay open. */
  public static Refusal of(Route.Reject r) {
    return new Refusal(
        r.status(),
        r.message(),
        r.listener(),
        // Not a Service's answer, so no listener's request metrics see it: counted as a rejection.
        r.listener() == null ? Rejections.unroutable(r.status()) : null,
        false,
        false,
        null);
  }
}
