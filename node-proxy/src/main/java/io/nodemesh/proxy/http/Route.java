package io.nodemesh.proxy.http;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.nodemesh.proxy.balance.Target;
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
   */
  record Reject(HttpResponseStatus status, String message, CompiledListener listener)
      implements Route {}
}
