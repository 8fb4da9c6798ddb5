package io.nodemesh.proxy.routing;

import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.nodemesh.config.access.AccessPolicy;
import io.nodemesh.proxy.acl.AccessGuard;
import io.nodemesh.proxy.balance.Pick;
import io.nodemesh.proxy.listener.CompiledListener;
import io.nodemesh.proxy.listener.RoutingTable;
import java.net.InetAddress;

/** Decides where one request goes; one instance per downstream connection. */
public interface Router {
  /**
   * @param request the request head, already in origin-form
   * @param path its path without query
   */
  Route route(HttpRequest request, String path);

  /**
   * As {@link #route(HttpRequest, String)}, knowing the client's IP (per-source rate limits and
   * source-ip hashing need it).
   */
  default Route route(HttpRequest request, String path, InetAddress source) {
    return route(request, path);
  }

  /**
   * Whether this connection's listener is gone from {@code table} in ACL mode, so that its grants
   * no longer hold and the connection must drain. The entry port serves every Service: never.
   */
  default boolean listenerRemoved(RoutingTable table) {
    return false;
  }

  /** Picks a backend and endpoint within a listener. */
  static Route pick(CompiledListener listener, HttpRequest request, String path) {
    return pick(listener, request, path, null);
  }

  /**
   * Picks a backend and endpoint within a listener, for a client at {@code source}. The Service's
   * request rules come first ({@link RequestRules#refuseForListener}), then in ACL mode the access
   * check, so a refused or denied caller takes no rate-limit token, endpoint slot or
   * circuit-breaker probe from the Service.
   */
  static Route pick(
      CompiledListener listener, HttpRequest request, String path, InetAddress source) {
    Route.Reject refused = RequestRules.refuseForListener(listener, request, path);
    if (refused != null) {
      return refused;
    }
    AccessPolicy.Admission admitted = listener.access().admitHttp(source, request, path);
    String denied = AccessGuard.deniedMessage(admitted);
    if (denied != null) {
      return new Route.Reject(HttpResponseStatus.FORBIDDEN, denied, listener);
    }
    if (listener.rules().active()) {
      return RuleRouter.route(listener, request, path, source, admitted.pods());
    }
    // Only among the pods whose service account allows it (SMI judges access per pod).
    Pick pick =
        listener
            .route()
            .pick(request.method().name(), path, request.headers(), source, admitted.pods());
    return switch (pick) {
      case Pick.Forward f -> new Route.Forward(listener, f.service(), f.target(), f.call());
      case Pick.Unavailable u -> {
        if (u.status() == Pick.Unavailable.TOO_MANY_REQUESTS) {
          listener.metrics().rateLimited();
        }
        yield new Route.Reject(HttpResponseStatus.valueOf(u.status()), u.message(), listener);
      }
    };
  }
}
