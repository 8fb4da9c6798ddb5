package io.nodemesh.controller.gamma;

import com.google.re2j.Pattern;
import io.nodemesh.config.RouteRule;
import io.nodemesh.config.TenantRegex;
import io.nodemesh.config.access.RequestView;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Which Gateway API rule of a listener a request takes, for {@code explain}: the first rule (in the
 * listener's order) one of whose matches holds, as the proxy decides (Gateway API HTTPRouteMatch:
 * Exact and element-wise PathPrefix paths, whole-path and whole-value RE2 regexes, the first value
 * of a repeated header or query parameter). The proxy's own matcher lives in node-proxy; this one
 * answers questions, off the request path, and compiles its regexes per call.
 */
public final class RuleSelection {
  private RuleSelection() {}

  /**
   * The rule a request takes, or null when none matches (the proxy answers 404).
   *
   * @param path the origin-form target as asked, possibly with a query
   * @param headers request headers, any case
   */
  public static RouteRule first(
      List<RouteRule> rules, String method, String path, Map<String, List<String>> headers) {
    String m = method == null || method.isBlank() ? "GET" : method.toUpperCase(Locale.ROOT);
    String p = path == null || path.isEmpty() ? "/" : path;
    int q = p.indexOf('?');
    // The path as the proxy sees it (canonical, RequestView); the query as sent.
    String bare = RequestView.of(m, p, null).path();
    String query = q < 0 ? "" : p.substring(q + 1);
    for (RouteRule r : rules) {
      if (r.matches().isEmpty()) {
        return r;
      }
      for (RouteRule.Match match : r.matches()) {
        if (matches(match, m, bare, query, headers)) {
          return r;
        }
      }
    }
    return null;
  }

  static boolean matches(
      RouteRule.Match match,
      String method,
      String path,
      String query,
      Map<String, List<String>> headers) {
    if (match.method() != null && !match.method().equals(method)) {
      return false;
    }
    RouteRule.PathMatch pm = match.path();
    if (pm != null) {
      boolean ok =
          switch (pm.type()) {
            case EXACT -> path.equals(pm.value());
            case PATH_PREFIX -> {
              String prefix =
                  pm.value().endsWith("/")
                      ? pm.value().substring(0, pm.value().length() - 1)
                      : pm.value();
              // Element-wise: /foo matches /foo, /foo/ and /foo/x, never /foox.
              yield path.startsWith(prefix)
                  && (path.length() == prefix.length() || path.charAt(prefix.length()) == '/');
            }
            case REGULAR_EXPRESSION -> TenantRegex.compile(pm.value()).matcher(path).matches();
          };
      if (!ok) {
        return false;
      }
    }
    for (RouteRule.ValueMatch h : match.headers()) {
      if (!test(h, header(headers, h.name()))) {
        return false;
      }
    }
    for (RouteRule.ValueMatch v : match.queryParams()) {
      if (!test(v, param(query, v.name()))) {
        return false;
      }
    }
    return true;
  }

  private static boolean test(RouteRule.ValueMatch v, String value) {
    if (value == null) {
      return false;
    }
    if (v.type() == RouteRule.ValueMatch.Type.EXACT) {
      return v.value().equals(value);
    }
    Pattern re = TenantRegex.compile(v.value());
    return re.matcher(value).matches();
  }

  private static String header(Map<String, List<String>> headers, String lowerName) {
    if (headers == null) {
      return null;
    }
    for (Map.Entry<String, List<String>> e : headers.entrySet()) {
      if (e.getKey().toLowerCase(Locale.ROOT).equals(lowerName) && !e.getValue().isEmpty()) {
        return e.getValue().get(0);
      }
    }
    return null;
  }

  /** The first value of a query parameter as sent (not percent-decoded, as the proxy), or null. */
  private static String param(String query, String name) {
    int hash = query.indexOf('#');
    String q = hash < 0 ? query : query.substring(0, hash);
    for (String pair : q.split("&", -1)) {
      int eq = pair.indexOf('=');
      if ((eq < 0 ? pair : pair.substring(0, eq)).equals(name)) {
        return eq < 0 ? "" : pair.substring(eq + 1);
      }
    }
    return null;
  }
}
