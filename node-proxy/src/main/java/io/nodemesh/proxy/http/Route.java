package io.nodemesh.proxy.http;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.nodemesh.proxy.balance.Target;
import io.nodemesh.proxy.limits.RejectReason;
import io.nodemesh.proxy.listener.CompiledListener;
import io.nodemesh.proxy.resilience.Call;

/** What the proxy does with one request. */
public sealed interface Route {
  /**
   * Forward to {@code target}, an endpoint of backend Service {@code service}.
   *
   * @param call tracks outcomes and retries (see {@link Call}); null when untracked
   */
  record Forward(CompiledListener listener, String service, Target target, Call call)
      implements Route {
    public Forward(CompiledListener listener, String service, Target target) {
      this(listener, service, target, null);
    }
  }

  /**
   * Answer locally.
   *
   * @param listener the listener the request was for, or null when none (counted only if set)
   * @param refusal set when the request is refused as malformed or hostile: counted under this
   *     reason, and the connection closes after the answer
   */
  record Reject(
      HttpResponseStatus status, String message, CompiledListener listener, RejectReason refusal)
      implements Route {
    /** An answer that is not a refusal (404, 403, 429, 503): the connection may stay open. */
    public Reject(HttpResponseStatus status, String message, CompiledListener listener) {
      this(status, message, listener, null);
    }
  }
}
