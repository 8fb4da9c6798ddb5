package io.nodemesh.proxy.routing;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;

/**
 * Request-target forms (RFC 9112 §3.2). An absolute-form target ({@code GET http://a.b.mesh/x},
 * what an {@code http_proxy} client sends) is rewritten to origin-form, and its authority replaces
 * {@code Host} as RFC 9112 §3.2.2 requires of a proxy.
 */
public final class RequestTarget {
  private RequestTarget() {}

  /** Rewrites an absolute-form target in place; other forms are left alone. */
  public static void toOriginForm(HttpRequest request) {
    String uri = request.uri();
    int scheme = schemeEnd(uri);
    if (scheme < 0) {
      return;
    }
    int authorityStart = scheme + 3;
    int end = authorityStart;
    while (end < uri.length() && "/?#".indexOf(uri.charAt(end)) < 0) {
      end++;
    }
    String authority = uri.substring(authorityStart, end);
    int at = authority.lastIndexOf('@');
    if (at >= 0) {
      authority = authority.substring(at + 1);
    }
    String rest = uri.substring(end);
    int fragment = rest.indexOf('#');
    if (fragment >= 0) {
      rest = rest.substring(0, fragment);
    }
    if (rest.isEmpty() || rest.charAt(0) != '/') {
      rest = "/" + rest;
    }
    request.setUri(rest);
    if (!authority.isEmpty()) {
      request.headers().set(HttpHeaderNames.HOST, authority);
    }
  }

  /** The path of an origin-form target, without query. */
  public static String path(String uri) {
    int q = uri.indexOf('?');
    return q < 0 ? uri : uri.substring(0, q);
  }

  private static int schemeEnd(String uri) {
    if (regionMatches(uri, "http://")) {
      return 4;
    }
    if (regionMatches(uri, "https://")) {
      return 5;
    }
    return -1;
  }

  private static boolean regionMatches(String uri, String prefix) {
    return uri.regionMatches(true, 0, prefix, 0, prefix.length());
  }
}
