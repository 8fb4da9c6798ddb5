package io.nodemesh.proxy.routing;

import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.nodemesh.proxy.balance.Pick;
import io.nodemesh.proxy.listener.CompiledListener;
import io.nodemesh.proxy.listener.RoutingTable;
import java.net.InetAddress;
import java.util.function.Predicate;

/**
 * Decides where one request goes; one instance per downstream connection. In two steps with the
 * admit stage between them: {@link #listener} finds the Service the request is for, the admit stage
 * checks the request against it ({@code admit.Admission}), and {@link #pick} then chooses the rule
 * and the backend.
 */
public interface Router {
  /**
   * The listener {@code request} is for, or null when none; {@link #unrouted} then says why.
   *
   * @param request the request head, already in origin-form
   */
  CompiledListener listener(HttpRequest request);

  /** The answer to the request {@link #listener} last found no listener for (404, 503). */
  Route.Reject unrouted();

  /**
   * Whether this connection's listener is gone from {@code table} in ACL mode, so that its grants
   * no longer hold and the connection must drain. The entry port serves every Service: never.
   */
  default boolean listenerRemoved(RoutingTable table) {
    return false;
  }

  /**
   * Picks a backend and endpoint within a listener for an admitted request: by the first matching
   * Gateway API rule when the listener has rules ({@link RuleRouter}), else by its TrafficSplit.
   *
   * @param path the canonical path, without the query
   * @param source the client's IP (per-source rate limits and source-ip hashing need it), or null
   * @param pods the pods the admit stage allows the caller (ACL mode), or null for any
   */
  static Route pick(
      CompiledListener listener,
      HttpRequest request,
      String path,
      InetAddress source,
      Predicate<InetAddress> pods) {
    if (listener.rules().active()) {
      return RuleRouter.route(listener, request, path, source, pods);
    }
    // Only among the pods whose service account allows it (SMI judges access per pod).
    Pick pick =
        listener.route().pick(request.method().name(), path, request.headers(), source, pods);
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
