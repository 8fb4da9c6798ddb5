package io.nodemesh.config;

import com.google.re2j.Pattern;
import java.util.List;

/**
 * The one evaluator of a {@link RouteRule.Match}, used by the proxy on the request path and by the
 * controller's {@code explain}, so the two cannot disagree (issue 17). Regexes are compiled once
 * (RE2/J, linear time, bounded by {@link TenantRegex}); matching allocates nothing unless a query
 * parameter is matched by regex. Conditions are checked cheapest first: method, path, headers,
 * query.
 *
 * <ul>
 *   <li>path {@code EXACT}: equal; {@code PATH_PREFIX}: element-wise ({@code /foo} matches {@code
 *       /foo}, {@code /foo/}, {@code /foo/x}, never {@code /foox}; a trailing {@code /} of the
 *       value is ignored); {@code REGULAR_EXPRESSION}: the whole path
 *   <li>headers: the value the caller's lookup gives (the proxy refuses a matched header sent
 *       twice), compared whole, names lower case
 *   <li>query parameters: the first {@code name=value} pair with the name, compared as sent (not
 *       percent-decoded), names exact
 * </ul>
 */
public final class RouteMatcher {
  /**
   * How a caller's request headers give the value of one header, without allocating.
   *
   * @param <H> the caller's header type (Netty's {@code HttpHeaders}, a map ...)
   */
  @FunctionalInterface
  public interface HeaderLookup<H> {
    /** The first value of header {@code lowerCaseName}, or null when absent. */
    String first(H headers, String lowerCaseName);
  }

  private static final int EXACT = 0;
  private static final int PREFIX = 1;
  private static final int REGEX = 2;

  private final String method;
  private final int pathKind;
  private final String pathValue;
  private final Pattern pathRegex;
  private final Condition[] headers;
  private final Condition[] query;

  public RouteMatcher(RouteRule.Match m) {
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

  /** The matchers of every match of {@code rule}, in order. */
  public static RouteMatcher[] of(RouteRule rule) {
    return rule.matches().stream().map(RouteMatcher::new).toArray(RouteMatcher[]::new);
  }

  /**
   * Which match of a rule holds: the index of the first one in {@code matchers} that matches,
   * {@link Integer#MAX_VALUE} for a rule without matches (it matches every request), or -1 for
   * none.
   */
  public static <H> int firstMatch(
      RouteMatcher[] matchers,
      String method,
      String path,
      String uri,
      H headers,
      HeaderLookup<H> lookup) {
    if (matchers.length == 0) {
      return Integer.MAX_VALUE;
    }
    for (int i = 0; i < matchers.length; i++) {
      if (matchers[i].matches(method, path, uri, headers, lookup)) {
        return i;
      }
    }
    return -1;
  }

  /**
   * The index in {@code rules} of the first rule that takes the request, or -1 when none does (the
   * proxy then answers 404). For tools; the proxy keeps its matchers compiled.
   */
  public static <H> int firstRule(
      List<RouteMatcher[]> rules,
      String method,
      String path,
      String uri,
      H headers,
      HeaderLookup<H> lookup) {
    for (int i = 0; i < rules.size(); i++) {
      if (firstMatch(rules.get(i), method, path, uri, headers, lookup) >= 0) {
        return i;
      }
    }
    return -1;
  }

  /** A prefix without its trailing "/" ("/" itself becomes "", which every path starts with). */
  public static String trimSlash(String prefix) {
    return prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
  }

  /** The PathPrefix of this match without its trailing "/", or null when it is not a prefix. */
  public String prefix() {
    return pathKind == PREFIX ? pathValue : null;
  }

  /**
   * @param requestMethod upper case
   * @param path the canonical path without query
   * @param uri the origin-form request target, whose query is matched
   */
  public <H> boolean matches(
      String requestMethod, String path, String uri, H requestHeaders, HeaderLookup<H> lookup) {
    if (method != null && !method.equals(requestMethod)) {
      return false;
    }
    boolean pathOk =
        switch (pathKind) {
          case EXACT -> path.equals(pathValue);
          case PREFIX -> prefixMatches(path, pathValue);
          default -> pathRegex.matches(path);
        };
    if (!pathOk) {
      return false;
    }
    for (Condition c : headers) {
      String v = lookup.first(requestHeaders, c.name);
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

  /** Element-wise prefix (Gateway API). */
  static boolean prefixMatches(String path, String prefix) {
    int n = prefix.length();
    return path.startsWith(prefix) && (path.length() == n || path.charAt(n) == '/');
  }

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
