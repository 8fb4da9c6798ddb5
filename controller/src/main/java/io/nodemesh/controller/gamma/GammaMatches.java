package io.nodemesh.controller.gamma;

import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCHeaderMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCMethodMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRouteMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPHeaderMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPPathMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteMatch;
import io.nodemesh.config.HttpMatch;
import io.nodemesh.config.TenantRegex;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Gateway API matches in the proxy's form ({@link HttpMatch}: a path regex the proxy runs with
 * {@code lookingAt} on the path without its query, header regexes that must match a whole value).
 * Every value is the tenant's: literal values are escaped, regexes must pass {@link TenantRegex}. A
 * match the proxy cannot express throws {@link Unsupported}, one that is wrong {@link
 * IllegalArgumentException}; both carry the field.
 */
final class GammaMatches {
  /** The methods HTTPRoute's {@code method} enum allows (Gateway API v1.2). */
  private static final Set<String> METHODS =
      Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH");

  private GammaMatches() {}

  /** A field the proxy cannot honour yet; the rule is refused with reason UnsupportedValue. */
  static final class Unsupported extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final String field;

    Unsupported(String field, String message) {
      super(message);
      this.field = field;
    }
  }

  /** A field that is wrong; the rule is refused. */
  static final class Invalid extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    final String field;

    Invalid(String field, String message) {
      super(message);
      this.field = field;
    }
  }

  /** One HTTPRoute match at {@code field} (e.g. {@code spec.rules[0].matches[1]}). */
  static HttpMatch http(String name, String field, HTTPRouteMatch m) {
    if (m.getQueryParams() != null && !m.getQueryParams().isEmpty()) {
      throw new Unsupported(
          field + ".queryParams", "query parameter matches are not supported by this proxy yet");
    }
    String path = path(field + ".path", m.getPath());
    List<String> methods = List.of();
    if (m.getMethod() != null) {
      String method = m.getMethod();
      if (!METHODS.contains(method)) {
        throw new Invalid(field + ".method", "'" + method + "' is not an HTTP method");
      }
      methods = List.of(method);
    }
    Map<String, String> headers = new LinkedHashMap<>();
    List<HTTPHeaderMatch> hs = m.getHeaders() == null ? List.of() : m.getHeaders();
    for (int i = 0; i < hs.size(); i++) {
      HTTPHeaderMatch h = hs.get(i);
      header(headers, field + ".headers[" + i + "]", h.getName(), h.getType(), h.getValue());
    }
    return checked(field, name, path, methods, headers);
  }

  /** One GRPCRoute match: gRPC calls are POSTs to {@code /service/method} (gRPC over HTTP/2). */
  static HttpMatch grpc(String name, String field, GRPCRouteMatch m) {
    String path = null;
    GRPCMethodMatch mm = m.getMethod();
    if (mm != null) {
      String f = field + ".method";
      String service = mm.getService();
      String method = mm.getMethod();
      if (service == null && method == null) {
        throw new Invalid(f, "one of service and method must be set");
      }
      boolean regex = "RegularExpression".equals(mm.getType());
      if (!regex && mm.getType() != null && !"Exact".equals(mm.getType())) {
        throw new Invalid(f + ".type", "'" + mm.getType() + "' is not Exact or RegularExpression");
      }
      String s = service == null ? "[^/]+" : regex ? "(?:" + service + ")" : quote(service);
      String me = method == null ? "[^/]+" : regex ? "(?:" + method + ")" : quote(method);
      path = "/" + s + "/" + me + "$";
    }
    Map<String, String> headers = new LinkedHashMap<>();
    List<GRPCHeaderMatch> hs = m.getHeaders() == null ? List.of() : m.getHeaders();
    for (int i = 0; i < hs.size(); i++) {
      GRPCHeaderMatch h = hs.get(i);
      header(headers, field + ".headers[" + i + "]", h.getName(), h.getType(), h.getValue());
    }
    return checked(field, name, path, List.of(), headers);
  }

  /** The rank of an HTTPRoute match (see {@link MatchOrder}). */
  static MatchOrder order(HTTPRouteMatch m) {
    HTTPPathMatch p = m.getPath();
    String type = p == null || p.getType() == null ? "PathPrefix" : p.getType();
    String value = p == null || p.getValue() == null ? "/" : p.getValue();
    return new MatchOrder(
        "Exact".equals(type) ? 1 : 0,
        "RegularExpression".equals(type) ? 0 : value.length(),
        m.getMethod() == null ? 0 : 1,
        m.getHeaders() == null ? 0 : m.getHeaders().size(),
        m.getQueryParams() == null ? 0 : m.getQueryParams().size());
  }

  /**
   * The rank of a GRPCRoute match: the spec orders by the most characters in a matching
   * non-wildcard service, then method, then the most header matches; folded into the same record.
   */
  static MatchOrder order(GRPCRouteMatch m) {
    GRPCMethodMatch mm = m.getMethod();
    int service = mm == null || mm.getService() == null ? 0 : mm.getService().length();
    int method = mm == null || mm.getMethod() == null ? 0 : 1;
    return new MatchOrder(
        0, service, method, m.getHeaders() == null ? 0 : m.getHeaders().size(), 0);
  }

  /** The path regex of a path match, or null for every path. */
  private static String path(String field, HTTPPathMatch p) {
    if (p == null) {
      return null;
    }
    String type = p.getType() == null ? "PathPrefix" : p.getType();
    String value = p.getValue() == null ? "/" : p.getValue();
    if (!"RegularExpression".equals(type) && !value.startsWith("/")) {
      throw new Invalid(field + ".value", "'" + value + "' does not start with '/'");
    }
    return switch (type) {
      case "Exact" -> quote(value) + "$";
      case "PathPrefix" -> {
        // Element-wise: /foo matches /foo, /foo/ and /foo/bar, not /foobar; a trailing slash in
        // the prefix is ignored (Gateway API HTTPPathMatch).
        String prefix = value.endsWith("/") ? value.substring(0, value.length() - 1) : value;
        yield prefix.isEmpty() ? null : quote(prefix) + "(?:/|$)";
      }
      // The whole path must match, as for header regexes.
      case "RegularExpression" -> "(?:" + value + ")$";
      default ->
          throw new Invalid(
              field + ".type", "'" + type + "' is not Exact, PathPrefix or RegularExpression");
    };
  }

  private static void header(
      Map<String, String> headers, String field, String name, String type, String value) {
    if (name == null || name.isEmpty() || !name.chars().allMatch(GammaMatches::tchar)) {
      throw new Invalid(field + ".name", "'" + name + "' is not a header name (RFC 9110 5.1)");
    }
    String lower = name.toLowerCase(Locale.ROOT);
    String v = value == null ? "" : value;
    String regex =
        switch (type == null ? "Exact" : type) {
          case "Exact" -> quote(v);
          case "RegularExpression" -> v;
          default ->
              throw new Invalid(
                  field + ".type", "'" + type + "' is not Exact or RegularExpression");
        };
    // "Multiple match values for the same header name: the first one is used" (HTTPHeaderMatch).
    headers.putIfAbsent(lower, regex);
  }

  /** The match, or {@link Invalid} naming the field when a regex is outside the bounds. */
  private static HttpMatch checked(
      String field, String name, String path, List<String> methods, Map<String, String> headers) {
    if (path != null && TenantRegex.problem(path) != null) {
      throw new Invalid(field + ".path", "regex " + TenantRegex.problem(path));
    }
    for (Map.Entry<String, String> h : headers.entrySet()) {
      String problem = TenantRegex.problem(h.getValue());
      if (problem != null) {
        throw new Invalid(field + ".headers[" + h.getKey() + "]", "regex " + problem);
      }
    }
    return new HttpMatch(name, path, methods, headers);
  }

  /** RFC 9110 5.6.2 tchar. */
  private static boolean tchar(int c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
  }

  /** {@code s} as an RE2 literal: every character that is not a letter, digit or '/' escaped. */
  static String quote(String s) {
    StringBuilder b = new StringBuilder(s.length() + 8);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '/') {
        b.append(c);
      } else if (c > 0x20 && c < 0x7f) {
        // ASCII punctuation: RE2 reads backslash + punctuation as that character.
        b.append('\\').append(c);
      } else {
        b.append(String.format(Locale.ROOT, "\\x{%x}", (int) c));
      }
    }
    return b.toString();
  }
}
