package io.nodemesh.proxy.admit;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.nodemesh.config.http.PathCanonicalizer;
import io.nodemesh.config.http.RefusedTarget;
import io.nodemesh.proxy.limits.RejectReason;
import io.nodemesh.proxy.limits.RejectedRequest;
import io.nodemesh.proxy.listener.CompiledListener;
import java.util.Iterator;
import java.util.Set;

/**
 * The request checks that make the proxy and the backend read a request alike
 * (docs/access-control.md, "The request path" and "Headers a rule names"). Each refusal is a 400
 * after which the connection closes: a client that sends such a request is broken or probing, and
 * nothing it pipelined after it should be read the way it meant.
 *
 * <ul>
 *   <li>{@link #refuseHead}, before routing: the request target made canonical in place ({@link
 *       PathCanonicalizer}), so access rules, TrafficSplit matches, the access log and the backend
 *       all see one path. (Host is the request guard's: one on HTTP/1.x; on HTTP/2 Netty resets a
 *       stream whose {@code host} disagrees with {@code :authority}, RFC 9113 §8.3.1.)
 *   <li>{@link #refuseForListener}, once the listener is known and before access is decided: an
 *       encoded {@code /} or {@code \} unless the Service opts in, and a second field of any header
 *       the listener's rules or matches name.
 * </ul>
 */
public final class RequestRules {
  private RequestRules() {}

  /**
   * Canonicalises the request target in place.
   *
   * @return null when the request may go on, else the refusal to answer (not counted yet)
   */
  public static RejectedRequest refuseHead(HttpRequest request) {
    String uri = request.uri();
    if (!exempt(request.method(), uri)) {
      try {
        String canonical = PathCanonicalizer.canonical(uri);
        if (canonical != uri) {
          request.setUri(canonical);
        }
      } catch (RefusedTarget e) {
        return new RejectedRequest(
            HttpResponseStatus.BAD_REQUEST,
            RejectReason.BAD_PATH,
            "malformed request: " + e.getMessage());
      }
    }
    return null;
  }

  /**
   * The targets that are not a path (RFC 9112 §3.2.3, §3.2.4): {@code *} of {@code OPTIONS}, and
   * the authority of {@code CONNECT}, which is never routed by path.
   */
  private static boolean exempt(HttpMethod method, String uri) {
    if (method.equals(HttpMethod.OPTIONS)) {
      return uri.equals("*");
    }
    return method.equals(HttpMethod.CONNECT) && !uri.startsWith("/");
  }

  /**
   * The checks that depend on the Service: encoded separators and the headers its matches name.
   *
   * @param path the canonical path, without the query
   * @return null when the request may go on to access control and routing
   */
  static Refusal refuseForListener(CompiledListener listener, HttpRequest request, String path) {
    if (!listener.config().policy().paths().allowEncodedSlashes()
        && PathCanonicalizer.hasEncodedSeparator(path)) {
      return Refusal.malformed(
          HttpResponseStatus.BAD_REQUEST,
          "malformed request: an encoded '/' or '\\' in the path (the Service does not allow them)",
          listener,
          RejectReason.BAD_PATH);
    }
    Set<String> single = listener.singleHeaders();
    if (!single.isEmpty()) {
      HttpHeaders headers = request.headers();
      for (String name : single) {
        if (repeated(headers, name)) {
          return Refusal.malformed(
              HttpResponseStatus.BAD_REQUEST,
              "malformed request: more than one " + name + " field",
              listener,
              RejectReason.DUPLICATE_HEADER);
        }
      }
    }
    return null;
  }

  /**
   * Whether a field line appears more than once: a match passes when any one of them matches, and a
   * backend usually reads the first (or all of them joined, RFC 9110 §5.3).
   */
  private static boolean repeated(HttpHeaders headers, String name) {
    Iterator<String> values = headers.valueStringIterator(name);
    if (!values.hasNext()) {
      return false;
    }
    values.next();
    return values.hasNext();
  }
}
