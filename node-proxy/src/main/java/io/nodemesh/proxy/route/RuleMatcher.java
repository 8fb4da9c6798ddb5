package io.nodemesh.proxy.route;

import com.google.re2j.Pattern;
import io.netty.handler.codec.http.HttpHeaders;
import io.nodemesh.config.RouteRule;
import io.nodemesh.config.TenantRegex;

/**
 * One compiled {@link RouteRule.Match}: regexes compiled once per config (RE2/J, linear time),
 * prefixes normalised, so matching a request allocates nothing unless a query parameter is matched
 * by regex. Conditions are checked cheapest first: method, path, headers, query.
 */
final class RuleMatcher {
  private static final int EXACT = 0;
  private static final int PREFIX = 1;
  private static final int REGEX = 2;

  private final String method;
  private final int pathKind;
  private final String pathValue;
  private final Pattern pathRegex;
  private final Condition[] headers;
  private final Condition[] query;

  RuleMatcher(RouteRule.Match m) {
    this.method = m.method();
    RouteRule.PathMatch p = m.path();
    if (p == null) {
      pathKind = PREFIX;
      pathValue = "";
      pathRegex = null;
    } else {
      switch (p.type()) {
        case EXACT -> {
          pathKind = EXACT;
          pathValue = p.value();
          pathRegex = null;
        }
        case PATH_PREFIX -> {
          pathKind = PREFIX;
          pathValue = trimSlash(p.value());
          pathRegex = null;
        }
        default -> {
          pathKind = REGEX;
          pathValue = null;
          pathRegex = TenantRegex.compile(p.value());
        }
      }
    }
    this.headers = m.headers().stream().map(Condition::new).toArray(Condition[]::new);
    this.query = m.queryParams().stream().map(Condition::new).toArray(Condition[]::new);
  }

  /** A prefix without its trailing "/" ("/" itself becomes "", which every path starts with). */
  static String trimSlash(String prefix) {
    return prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
  }

  /** The matched PathPrefix without its trailing "/", for ReplacePrefixMatch. */
  String prefix() {
    return pathKind == PREFIX ? pathValue : null;
  }

  boolean matches(String requestMethod, String path, String uri, HttpHeaders requestHeaders) {
    if (method != null && !method.equals(requestMethod)) {
      return false;
    }
    if (!pathMatches(path)) {
      return false;
    }
    for (Condition c : headers) {
      String v = requestHeaders.get(c.name);
      if (v == null || !c.test(v)) {
        return false;
      }
    }
    if (query.length > 0) {
      int q = uri.indexOf('?');
      for (Condition c : query) {
        if (q < 0 || !queryMatches(uri, q + 1, c)) {
          return false;
        }
      }
    }
    return true;
  }

  private boolean pathMatches(String path) {
    return switch (pathKind) {
      case EXACT -> path.equals(pathValue);
      case PREFIX -> prefixMatches(path, pathValue);
      default -> pathRegex.matches(path);
    };
  }

  /**
   * Element-wise prefix (Gateway API): "/foo" matches "/foo", "/foo/" and "/foo/x", not "/foox".
   */
  static boolean prefixMatches(String path, String prefix) {
    int n = prefix.length();
    return path.startsWith(prefix) && (path.length() == n || path.charAt(n) == '/');
  }

  /**
   * The first {@code name=value} pair of the query that has the condition's name decides; values
   * are compared as sent (not percent-decoded), names exactly (Gateway API).
   */
  private static boolean queryMatches(String uri, int from, Condition c) {
    int end = uri.indexOf('#', from);
    if (end < 0) {
      end = uri.length();
    }
    int i = from;
    String name = c.name;
    while (i <= end) {
      int amp = uri.indexOf('&', i);
      int segEnd = amp < 0 || amp > end ? end : amp;
      int eq = uri.indexOf('=', i);
      int keyEnd = eq < 0 || eq > segEnd ? segEnd : eq;
      if (keyEnd - i == name.length() && uri.regionMatches(i, name, 0, name.length())) {
        int vStart = keyEnd == segEnd ? segEnd : keyEnd + 1;
        if (c.regex == null) {
          return segEnd - vStart == c.value.length()
              && uri.regionMatches(vStart, c.value, 0, c.value.length());
        }
        return c.regex.matches(uri.substring(vStart, segEnd));
      }
      i = segEnd + 1;
    }
    return false;
  }

  /** A header or query parameter condition. */
  private static final class Condition {
    final String name;
    final String value;
    final Pattern regex;

    Condition(RouteRule.ValueMatch m) {
      this.name = m.name();
      boolean isRegex = m.type() == RouteRule.ValueMatch.Type.REGULAR_EXPRESSION;
      this.value = isRegex ? null : m.value();
      this.regex = isRegex ? TenantRegex.compile(m.value()) : null;
    }

    boolean test(String v) {
      return regex == null ? value.equals(v) : regex.matches(v);
    }
  }
}
