package io.nodemesh.proxy.routing;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.nodemesh.proxy.balance.Pick;
import io.nodemesh.proxy.fault.FaultInjector;
import io.nodemesh.proxy.listener.CompiledListener;
import io.nodemesh.proxy.route.CompiledRule;
import io.nodemesh.proxy.route.RouteRules;
import java.net.InetAddress;
import java.util.function.Predicate;

/**
 * Routes a request of a listener that has Gateway API rules (issue 17): the first matching rule,
 * then in order its fault abort, its redirect, the share of refused backends, its header edits and
 * rewrite, and the weighted pick among its backends. Called by {@link Router#pick} after the
 * request rules and the access check.
 */
final class RuleRouter {
  private RuleRouter() {}

  static Route route(
      CompiledListener listener,
      HttpRequest request,
      String path,
      InetAddress source,
      Predicate<InetAddress> pods) {
    RouteRules rules = listener.rules();
    String method = request.method().name();
    CompiledRule rule = rules.first(method, path, request.uri(), request.headers());
    if (rule == null) {
      // Gateway API: when routes are attached but no rule matches, the answer is 404.
      return new Route.Reject(
          HttpResponseStatus.NOT_FOUND,
          "no route rule of service "
              + listener.config().namespace()
              + "/"
              + listener.config().service()
              + " matches the request",
          listener);
    }
    FaultInjector fault = rule.fault();
    if (fault != null && fault.abort()) {
      return abort(listener, rule, fault, request);
    }
    if (rule.redirect() != null) {
      HttpHeaders h = new DefaultHttpHeaders();
      h.set(HttpHeaderNames.LOCATION, rule.location(request, path, listener.config().port()));
      return new Route.Answer(
          listener, HttpResponseStatus.valueOf(rule.redirect().statusCode()), h, null, rule);
    }
    if (rule.route() == null || rule.refusedShare()) {
      return new Route.Answer(
          listener,
          HttpResponseStatus.INTERNAL_SERVER_ERROR,
          new DefaultHttpHeaders(),
          "route rule " + rule.name() + " has no valid backend for this request",
          rule);
    }
    rule.editRequest(request, path);
    Pick pick = rule.route().pick(method, path, request.headers(), source, pods);
    return switch (pick) {
      case Pick.Forward f -> {
        if (f.call() != null && rule.retryStatuses() != null) {
          f.call().retryStatuses(rule.retryStatuses());
        }
        yield new Route.Forward(listener, f.service(), f.target(), f.call(), rule);
      }
      case Pick.Unavailable u -> {
        if (u.status() == Pick.Unavailable.TOO_MANY_REQUESTS) {
          listener.metrics().rateLimited();
        }
        yield new Route.Answer(
            listener,
            HttpResponseStatus.valueOf(u.status()),
            new DefaultHttpHeaders(),
            u.message(),
            rule);
      }
    };
  }

  /**
   * An injected abort; a gRPC call gets its status in a trailers-only response (gRPC over HTTP/2).
   */
  private static Route abort(
      CompiledListener listener, CompiledRule rule, FaultInjector fault, HttpRequest request) {
    HttpHeaders h = new DefaultHttpHeaders();
    String type = request.headers().get(HttpHeaderNames.CONTENT_TYPE);
    if (type != null && type.startsWith("application/grpc")) {
      h.set(HttpHeaderNames.CONTENT_TYPE, "application/grpc");
      h.setInt("grpc-status", fault.grpcStatus());
      h.set("grpc-message", "fault injected by route " + rule.name());
      return new Route.Answer(listener, HttpResponseStatus.OK, h, null, rule);
    }
    return new Route.Answer(
        listener,
        HttpResponseStatus.valueOf(fault.httpStatus()),
        h,
        "fault injected by route " + rule.name(),
        rule);
  }
}
