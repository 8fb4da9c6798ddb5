package io.nodemesh.proxy.http;

import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.nodemesh.proxy.balance.Pick;
import io.nodemesh.proxy.listener.CompiledListener;

/** Decides where one request goes; one instance per downstream connection. */
public interface Router {
  /**
   * @param request the request head, already in origin-form
   * @param path its path without query
   */
  Route route(HttpRequest request, String path);

  /** Picks a backend and endpoint within a listener. */
  static Route pick(CompiledListener listener, HttpRequest request, String path) {
    return switch (listener.route().pick(request.method().name(), path, request.headers())) {
      case Pick.Forward f -> new Route.Forward(listener, f.service(), f.target());
      case Pick.Unavailable u ->
          new Route.Reject(HttpResponseStatus.SERVICE_UNAVAILABLE, u.message(), listener);
    };
  }
}
