package io.nodemesh.proxy.http;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.nodemesh.proxy.balance.Target;
import io.nodemesh.proxy.listener.CompiledListener;

/** What the proxy does with one request. */
public sealed interface Route {
  /** Forward to {@code target}, an endpoint of backend Service {@code service}. */
  record Forward(CompiledListener listener, String service, Target target) implements Route {}

  /**
   * Answer locally.
   *
   * @param listener the listener the request was for, or null when none (counted only if set)
   */
  record Reject(HttpResponseStatus status, String message, CompiledListener listener)
      implements Route {}
}
