package io.nodemesh.proxy.routing;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.nodemesh.proxy.balance.Call;
import io.nodemesh.proxy.balance.Target;
import io.nodemesh.proxy.listener.CompiledListener;
import io.nodemesh.proxy.route.CompiledRule;

/** What the proxy does with one request. */
public sealed interface Route {
  /**
   * Forward to {@code target}, an endpoint of backend Service {@code service}.
   *
   * @param call tracks outcomes and retries (see {@link Call}); null when untracked
   * @param rule the Gateway API rule that routed it, or null (issue 17)
   */
  record Forward(
      CompiledListener listener, String service, Target target, Call call, CompiledRule rule)
      implements Route {
    public Forward(CompiledListener listener, String service, Target target, Call call) {
      this(listener, service, target, call, null);
    }

    public Forward(CompiledListener listener, String service, Target target) {
      this(listener, service, target, null, null);
    }
  }

  /**
   * Answer locally on behalf of a Gateway API rule: a redirect, an injected abort, or a 500 for a
   * rule without a backend that may serve (issue 17).
   *
   * @param headers set on the answer (Location, grpc-status ...)
   * @param message the one-line text body, or null for none (a gRPC abort has no body)
   * @param rule the rule, whose meter counts the answer
   */
  record Answer(
      CompiledListener listener,
      HttpResponseStatus status,
      HttpHeaders headers,
      String message,
      CompiledRule rule)
      implements Route {}

  /**
   * Answer locally (404, 403, 429, 503); the connection may stay open. The admit stage turns it
   * into its one refusal path ({@code admit.Refusal}).
   *
   * @param listener the listener the request was for, or null when none (counted only if set)
   */
  record Reject(HttpResponseStatus status, String message, CompiledListener listener)
      implements Route {}
}
