package io.nodemesh.controller.gamma;

import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCHeaderMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCMethodMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRouteMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPHeaderMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPPathMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPQueryParamMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteMatch;
import io.nodemesh.config.RouteRule;
import io.nodemesh.config.RouteRule.PathMatch;
import io.nodemesh.config.RouteRule.ValueMatch;
import io.nodemesh.config.TenantRegex;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Gateway API matches in the proxy's terms ({@link RouteRule.Match}). Every value is the tenant's:
 * the records bound them (lengths, counts, {@code TenantRegex} for regexes) and refuse what breaks
 * a bound; this class says which field it was. A match the proxy cannot express throws {@link
 * Unsupported}, a wrong one {@link Invalid}.
 */
final class GammaMatches {
  /** The methods HTTPRoute's {@code method} enum allows (Gateway API v1.2). */
  private static final Set<String> METHODS =
      Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH");

  private GammaMatches() {}

  /** A field the proxy cannot honour; the rule is refused with reason UnsupportedValue. */
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

  /** Builds a model record, turning its refusal into {@link Invalid} on {@code field}. */
  static <T> T at(String field, Supplier<T> build) {
    try {
      return build.get();
    } catch (Invalid | Unsupported e) {
      throw e;
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new Invalid(field, e.getMessage() == null ? "invalid" : e.getMessage());
    }
  }

  /** One HTTPRoute match at {@code field} (e.g. {@code spec.rules[0].matches[1]}). */
  static RouteRule.Match http(String field, HTTPRouteMatch m) {
    PathMatch path = path(field + ".path", m.getPath());
    String method = null;
    if (m.getMethod() != null) {
      if (!METHODS.contains(m.getMethod())) {
        throw new Invalid(field + ".method", "'" + m.getMethod() + "' is not an HTTP method");
      }
      method = m.getMethod();
    }
    List<ValueMatch> headers = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    List<HTTPHeaderMatch> hs = m.getHeaders() == null ? List.of() : m.getHeaders();
    for (int i = 0; i < hs.size(); i++) {
      HTTPHeaderMatch h = hs.get(i);
      String f = field + ".headers[" + i + "]";
      // "Multiple match values for the same header name: the first is used" (HTTPHeaderMatch).
      if (h.getName() != null && seen.add(h.getName().toLowerCase(Locale.ROOT))) {
        headers.add(value(f, h.getType(), h.getName(), h.getValue()));
      }
    }
    List<ValueMatch> query = new ArrayList<>();
    Set<String> seenQuery = new HashSet<>();
    List<HTTPQueryParamMatch> qs = m.getQueryParams() == null ? List.of() : m.getQueryParams();
    for (int i = 0; i < qs.size(); i++) {
      HTTPQueryParamMatch q = qs.get(i);
      if (q.getName() != null && seenQuery.add(q.getName())) {
        query.add(value(field + ".queryParams[" + i + "]", q.getType(), q.getName(), q.getValue()));
      }
    }
    String m2 = method;
    return at(field, () -> new RouteRule.Match(path, headers, query, m2));
  }

  /** One GRPCRoute match: gRPC calls are requests to {@code /package.Service/Method}. */
  static RouteRule.Match grpc(String field, GRPCRouteMatch m) {
    PathMatch path = null;
    GRPCMethodMatch mm = m.getMethod();
    if (mm != null) {
      String f = field + ".method";
      String service = mm.getService();
      String method = mm.getMethod();
      if (service == null && method == null) {
        throw new Invalid(f, "one of service and method must be set");
      }
      String type = mm.getType() == null ? "Exact" : mm.getType();
      PathMatch p =
          switch (type) {
            case "Exact" ->
                service != null && method != null
                    ? new PathMatch(
                        PathMatch.Type.EXACT, "/" + name(f, service) + "/" + name(f, method))
                    : service != null
                        ? new PathMatch(PathMatch.Type.PATH_PREFIX, "/" + name(f, service))
                        : new PathMatch(
                            PathMatch.Type.REGULAR_EXPRESSION, "/[^/]+/" + quote(name(f, method)));
            case "RegularExpression" -> {
              // Each part must stand as a regex on its own, so that "a)|(.*" cannot escape its
              // group and widen the match.
              for (String part : new String[] {service, method}) {
                String problem = part == null ? null : TenantRegex.problem(part);
                if (problem != null) {
                  throw new Invalid(f, "regex '" + part + "' " + problem);
                }
              }
              yield new PathMatch(
                  PathMatch.Type.REGULAR_EXPRESSION,
                  "/"
                      + (service == null ? "[^/]+" : "(?:" + service + ")")
                      + "/"
                      + (method == null ? "[^/]+" : "(?:" + method + ")"));
            }
            default ->
                throw new Invalid(f + ".type", "'" + type + "' is not Exact or RegularExpression");
          };
      path = p;
    }
    List<ValueMatch> headers = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    List<GRPCHeaderMatch> hs = m.getHeaders() == null ? List.of() : m.getHeaders();
    for (int i = 0; i < hs.size(); i++) {
      GRPCHeaderMatch h = hs.get(i);
      if (h.getName() != null && seen.add(h.getName().toLowerCase(Locale.ROOT))) {
        headers.add(value(field + ".headers[" + i + "]", h.getType(), h.getName(), h.getValue()));
      }
    }
    PathMatch p2 = path;
    return at(field, () -> new RouteRule.Match(p2, headers, List.of(), null));
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
   * The rank of a GRPCRoute match: the spec orders by the most characters of a non-wildcard
   * service, then a method, then the most header matches; folded into the same record.
   */
  static MatchOrder order(GRPCRouteMatch m) {
    GRPCMethodMatch mm = m.getMethod();
    boolean regex = mm != null && "RegularExpression".equals(mm.getType());
    int service = mm == null || mm.getService() == null || regex ? 0 : mm.getService().length();
    int method = mm == null || mm.getMethod() == null || regex ? 0 : 1;
    return new MatchOrder(
        0, service, method, m.getHeaders() == null ? 0 : m.getHeaders().size(), 0);
  }

  /** The path condition of a path match, or null for every path. */
  private static PathMatch path(String field, HTTPPathMatch p) {
    if (p == null) {
      return null;
    }
    String type = p.getType() == null ? "PathPrefix" : p.getType();
    String value = p.getValue() == null ? "/" : p.getValue();
    PathMatch.Type t =
        switch (type) {
          case "Exact" -> PathMatch.Type.EXACT;
          case "PathPrefix" -> PathMatch.Type.PATH_PREFIX;
          case "RegularExpression" -> PathMatch.Type.REGULAR_EXPRESSION;
          default ->
              throw new Invalid(
                  field + ".type", "'" + type + "' is not Exact, PathPrefix or RegularExpression");
        };
    if (t == PathMatch.Type.PATH_PREFIX && "/".equals(value)) {
      return null;
    }
    return at(field + ".value", () -> new PathMatch(t, value));
  }

  private static ValueMatch value(String field, String type, String name, String value) {
    ValueMatch.Type t =
        switch (type == null ? "Exact" : type) {
          case "Exact" -> ValueMatch.Type.EXACT;
          case "RegularExpression" -> ValueMatch.Type.REGULAR_EXPRESSION;
          default ->
              throw new Invalid(
                  field + ".type", "'" + type + "' is not Exact or RegularExpression");
        };
    return at(field, () -> new ValueMatch(t, name, value == null ? "" : value));
  }

  /** A gRPC service or method name: letters, digits, '_' and '.' (gRPC over HTTP/2). */
  private static String name(String field, String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!(Character.isLetterOrDigit(c) && c < 0x80) && c != '_' && c != '.') {
        throw new Invalid(field, "'" + s + "' is not a gRPC service or method name");
      }
    }
    if (s.isEmpty() || s.length() > 1024) {
      throw new Invalid(field, "a gRPC name must be 1..1024 characters");
    }
    return s;
  }

  /** {@code s} as an RE2 literal (ASCII punctuation escaped). */
  static String quote(String s) {
    StringBuilder b = new StringBuilder(s.length() + 8);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c > 0x20 && c < 0x7f && !Character.isLetterOrDigit(c)) {
        b.append('\\');
      }
      b.append(c);
    }
    return b.toString();
  }
}
