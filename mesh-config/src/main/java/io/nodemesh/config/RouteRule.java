package io.nodemesh.config;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One rule of a Gateway API HTTPRoute or GRPCRoute attached to a Service (GAMMA), compiled by the
 * controller. A listener's rules are kept in Gateway API precedence order (the controller sorts
 * them); the proxy takes the first rule one of whose {@code matches} holds.
 *
 * <p>Every field is tenant-written, so every field is bounded here, and a config that breaks a
 * bound is refused as a whole: a proxy never runs an unbounded rule (issue 13, issue 17).
 *
 * @param name unique within the listener, used as the route label of metrics and in logs; the
 *     controller writes {@code namespace/name#index} (HTTPRoute) or {@code
 *     grpc:namespace/name#index} (GRPCRoute)
 * @param matches OR of the matches; empty means every request (Gateway API: a rule without matches
 *     matches the path prefix {@code /})
 * @param filters applied in order; at most one {@link RouteFilter.RequestRedirect} or {@link
 *     RouteFilter.UrlRewrite}, never both
 * @param backends weighted backends (their {@code weight} is the backendRef weight); empty with no
 *     redirect means every request gets 500 (Gateway API)
 * @param refusedWeight the summed weight of backendRefs the controller could not resolve; that
 *     share of requests gets 500, as Gateway API asks for an invalid backendRef
 * @param timeouts Gateway API {@code timeouts}; null means the Service's own
 * @param retry Gateway API {@code retry} (experimental channel); null means the Service's own
 * @param fault Nodemesh fault injection; null means none
 */
public record RouteRule(
    String name,
    List<Match> matches,
    List<RouteFilter> filters,
    List<BackendConfig> backends,
    int refusedWeight,
    Timeouts timeouts,
    Retry retry,
    Fault fault) {
  /** Longest rule name (a namespace, a name, an index and a prefix fit comfortably). */
  public static final int MAX_NAME_LENGTH = 320;

  /** Gateway API v1.2 bounds, per rule. */
  public static final int MAX_MATCHES = 64;

  public static final int MAX_FILTERS = 16;
  public static final int MAX_BACKENDS = 16;

  /** Header and query parameter conditions of one match (Gateway API: 16 each). */
  public static final int MAX_CONDITIONS = 16;

  /** Longest exact value or path a match compares, in chars. */
  public static final int MAX_VALUE_LENGTH = 4096;

  public RouteRule {
    if (name == null || name.isEmpty() || name.length() > MAX_NAME_LENGTH || !printable(name)) {
      throw new IllegalArgumentException(
          "route rule: name must be 1.."
              + MAX_NAME_LENGTH
              + " printable ASCII characters, got "
              + (name == null ? "null" : "'" + clip(name) + "'"));
    }
    matches = bounded(name, "matches", matches, MAX_MATCHES);
    filters = bounded(name, "filters", filters, MAX_FILTERS);
    backends = bounded(name, "backends", backends, MAX_BACKENDS);
    if (refusedWeight < 0) {
      throw new IllegalArgumentException(
          "route rule " + name + ": refusedWeight " + refusedWeight + " is negative");
    }
    long redirects = filters.stream().filter(RouteFilter.RequestRedirect.class::isInstance).count();
    long rewrites = filters.stream().filter(RouteFilter.UrlRewrite.class::isInstance).count();
    if (redirects + rewrites > 1) {
      throw new IllegalArgumentException(
          "route rule " + name + ": at most one RequestRedirect or URLRewrite filter");
    }
    for (RouteFilter f : filters) {
      PathModifier p =
          switch (f) {
            case RouteFilter.RequestRedirect r -> r.path();
            case RouteFilter.UrlRewrite u -> u.path();
            default -> null;
          };
      if (p != null && p.type() == PathModifier.Type.REPLACE_PREFIX_MATCH) {
        // Gateway API: ReplacePrefixMatch is only valid with PathPrefix matches, since the proxy
        // replaces the prefix that matched.
        for (Match m : matches) {
          if (m.path() == null || m.path().type() != PathMatch.Type.PATH_PREFIX) {
            throw new IllegalArgumentException(
                "route rule " + name + ": ReplacePrefixMatch needs every match to be a PathPrefix");
          }
        }
        if (matches.isEmpty()) {
          throw new IllegalArgumentException(
              "route rule " + name + ": ReplacePrefixMatch needs a PathPrefix match");
        }
      }
    }
  }

  /** The steps of every regex of this rule (see {@link TenantRegex#steps(String)}). */
  public long regexSteps() {
    long sum = 0;
    for (Match m : matches) {
      if (m.path() != null && m.path().type() == PathMatch.Type.REGULAR_EXPRESSION) {
        sum += TenantRegex.steps(m.path().value());
      }
      for (ValueMatch h : m.headers()) {
        sum += h.type() == ValueMatch.Type.REGULAR_EXPRESSION ? TenantRegex.steps(h.value()) : 0;
      }
      for (ValueMatch q : m.queryParams()) {
        sum += q.type() == ValueMatch.Type.REGULAR_EXPRESSION ? TenantRegex.steps(q.value()) : 0;
      }
    }
    return sum;
  }

  /**
   * One HTTPRouteMatch: every present condition must hold (AND).
   *
   * @param path the path condition, or null for any path
   * @param headers header conditions; names are matched case-insensitively (stored lower case)
   * @param queryParams query parameter conditions; names are matched exactly (Gateway API)
   * @param method upper-case method, or null for any
   */
  public record Match(
      PathMatch path, List<ValueMatch> headers, List<ValueMatch> queryParams, String method) {
    public Match {
      headers = bounded("match", "headers", headers, MAX_CONDITIONS);
      queryParams = bounded("match", "queryParams", queryParams, MAX_CONDITIONS);
      headers = headers.stream().map(ValueMatch::lowerCaseName).toList();
      if (method != null && (method.isEmpty() || method.length() > 32 || !token(method))) {
        throw new IllegalArgumentException("match: method '" + clip(method) + "' is not a token");
      }
    }
  }

  /**
   * A path condition on the request path without its query (RFC 3986 §3.3), after the proxy's
   * canonicalisation (docs/access-control.md, "The request path").
   *
   * <ul>
   *   <li>{@code EXACT}: the path equals {@code value}.
   *   <li>{@code PATH_PREFIX}: element-wise prefix (Gateway API): {@code /foo} matches {@code
   *       /foo}, {@code /foo/} and {@code /foo/bar}, never {@code /foobar}; a trailing {@code /} of
   *       {@code value} is ignored.
   *   <li>{@code REGULAR_EXPRESSION}: RE2 ({@link TenantRegex}) matching the whole path.
   * </ul>
   */
  public record PathMatch(Type type, String value) {
    public enum Type {
      EXACT,
      PATH_PREFIX,
      REGULAR_EXPRESSION
    }

    public PathMatch {
      Objects.requireNonNull(type, "path match type");
      if (type == Type.REGULAR_EXPRESSION) {
        regex("path", value);
      } else if (!isPath(value)) {
        throw new IllegalArgumentException(
            "path match: "
                + type
                + " value '"
                + clip(value)
                + "' must start with / and hold only URI path characters");
      }
    }
  }

  /**
   * A header or query parameter condition: {@code EXACT} compares the whole value, {@code
   * REGULAR_EXPRESSION} is RE2 ({@link TenantRegex}) matching the whole value. A request holding a
   * matched header twice is refused with 400 by the proxy (as for SMI matches); a query parameter
   * given twice is judged on its first value. Query values are compared as sent (not
   * percent-decoded).
   */
  public record ValueMatch(Type type, String name, String value) {
    public enum Type {
      EXACT,
      REGULAR_EXPRESSION
    }

    public ValueMatch {
      type = type == null ? Type.EXACT : type;
      checkName(name);
      if (type == Type.REGULAR_EXPRESSION) {
        regex(name, value);
      } else if (value == null || value.length() > MAX_VALUE_LENGTH || !fieldValue(value)) {
        throw new IllegalArgumentException(
            "match "
                + name
                + ": exact value must be at most "
                + MAX_VALUE_LENGTH
                + " visible chars");
      }
    }

    ValueMatch lowerCaseName() {
      return new ValueMatch(type, name.toLowerCase(Locale.ROOT), value);
    }
  }

  /**
   * How a redirect or a rewrite changes the path.
   *
   * @param type {@code REPLACE_FULL_PATH} or {@code REPLACE_PREFIX_MATCH} (the matched PathPrefix
   *     is replaced by {@code value}, element-wise, as Gateway API specifies)
   * @param value the new path or prefix
   */
  public record PathModifier(Type type, String value) {
    public enum Type {
      REPLACE_FULL_PATH,
      REPLACE_PREFIX_MATCH
    }

    public PathModifier {
      Objects.requireNonNull(type, "path modifier type");
      if (!isPath(value) || value.length() > 1024) {
        throw new IllegalArgumentException(
            "path modifier: '"
                + clip(value)
                + "' must start with /, be at most 1024 chars and hold only URI path characters");
      }
    }
  }

  /**
   * Gateway API HTTPRouteTimeouts; 0 means not set.
   *
   * @param requestMillis from the request to the whole response head, retries included
   * @param backendRequestMillis one try to a backend
   */
  public record Timeouts(long requestMillis, long backendRequestMillis) {
    public Timeouts {
      if (requestMillis < 0 || backendRequestMillis < 0) {
        throw new IllegalArgumentException("timeouts: negative value");
      }
      if (requestMillis > 0 && backendRequestMillis > requestMillis) {
        throw new IllegalArgumentException(
            "timeouts: backendRequest " + backendRequestMillis + "ms exceeds request");
      }
    }
  }

  /**
   * Gateway API HTTPRouteRetry. Only idempotent requests are retried once they reached a backend,
   * as for the Service's own retries (docs/resilience.md); the Service's retry budget applies.
   *
   * @param attempts retries after the first try, 0..10
   * @param codes HTTP statuses (400..599) that are retried; empty means 502, 503 and 504
   * @param backoffMillis first backoff ceiling; 0 means the Service's own
   */
  public record Retry(int attempts, List<Integer> codes, long backoffMillis) {
    public static final List<Integer> DEFAULT_CODES = List.of(502, 503, 504);

    public Retry {
      if (attempts < 0 || attempts > 10) {
        throw new IllegalArgumentException("retry: attempts " + attempts + " is not in 0..10");
      }
      codes = codes == null || codes.isEmpty() ? DEFAULT_CODES : List.copyOf(codes);
      if (codes.size() > 32) {
        throw new IllegalArgumentException("retry: at most 32 codes");
      }
      for (int c : codes) {
        if (c < 400 || c > 599) {
          throw new IllegalArgumentException("retry: code " + c + " is not in 400..599");
        }
      }
      if (backoffMillis < 0 || backoffMillis > 60_000) {
        throw new IllegalArgumentException("retry: backoffMillis is not in 0..60000");
      }
    }
  }

  /**
   * Nodemesh fault injection. Abort and delay are drawn independently per request, each from a
   * low-discrepancy sequence so the observed shares are the configured ones; an aborted request is
   * answered at once (it is not delayed), so the delay share is of the requests not aborted.
   *
   * @param delay null for none
   * @param abort null for none
   */
  public record Fault(Delay delay, Abort abort) {
    /** Longest injected delay. */
    public static final long MAX_DELAY_MILLIS = 300_000;

    /**
     * @param millis fixed delay before the request goes on
     * @param percent share of requests delayed, 0..100
     */
    public record Delay(long millis, double percent) {
      public Delay {
        if (millis < 0 || millis > MAX_DELAY_MILLIS) {
          throw new IllegalArgumentException(
              "fault delay: millis " + millis + " is not in 0.." + MAX_DELAY_MILLIS);
        }
        RouteRule.percent(percent, "fault delay");
      }
    }

    /**
     * @param httpStatus the status answered, 200..599
     * @param grpcStatus the {@code grpc-status} answered to gRPC requests (0..16), or null to
     *     answer them with {@code httpStatus} mapped as in the gRPC HTTP mapping
     * @param percent share of requests aborted, 0..100
     */
    public record Abort(int httpStatus, Integer grpcStatus, double percent) {
      public Abort {
        if (httpStatus < 200 || httpStatus > 599) {
          throw new IllegalArgumentException(
              "fault abort: httpStatus " + httpStatus + " is not in 200..599");
        }
        if (grpcStatus != null && (grpcStatus < 0 || grpcStatus > 16)) {
          throw new IllegalArgumentException(
              "fault abort: grpcStatus " + grpcStatus + " is not in 0..16");
        }
        RouteRule.percent(percent, "fault abort");
      }
    }
  }

  /** Throws unless {@code p} is a percentage (0..100, not NaN). */
  static void percent(double p, String what) {
    if (!(p >= 0 && p <= 100)) {
      throw new IllegalArgumentException(what + ": percent " + p + " is not in 0..100");
    }
  }

  private static <T> List<T> bounded(String owner, String field, List<T> list, int max) {
    if (list == null) {
      return List.of();
    }
    if (list.size() > max) {
      throw new IllegalArgumentException(
          owner + ": " + list.size() + " " + field + ", at most " + max);
    }
    for (T t : list) {
      Objects.requireNonNull(t, () -> owner + ": a null in " + field);
    }
    return List.copyOf(list);
  }

  private static void regex(String field, String value) {
    String problem = TenantRegex.problem(value);
    if (problem != null) {
      throw new IllegalArgumentException("match " + field + ": regex " + problem);
    }
  }

  static void checkName(String name) {
    if (name == null || name.isEmpty() || name.length() > 256 || !token(name)) {
      throw new IllegalArgumentException(
          "name '" + (name == null ? "null" : clip(name)) + "' is not a token of 1..256 chars");
    }
  }

  /** RFC 3986 path characters (pchar and "/"), starting with "/". */
  static boolean isPath(String v) {
    if (v == null || v.isEmpty() || v.length() > MAX_VALUE_LENGTH || v.charAt(0) != '/') {
      return false;
    }
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || "-._~!$&'()*+,;=:@/%".indexOf(c) >= 0;
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /** RFC 9110 §5.6.2 {@code token}. */
  static boolean token(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /** RFC 9110 §5.5 field value: visible ASCII, space and tab; never CR, LF or NUL. */
  static boolean fieldValue(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!(c == '\t' || (c >= 0x20 && c < 0x7f))) {
        return false;
      }
    }
    return true;
  }

  private static boolean printable(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c <= 0x20 || c >= 0x7f) {
        return false;
      }
    }
    return true;
  }

  static String clip(String s) {
    return s == null ? "null" : s.length() > 64 ? s.substring(0, 64) + "..." : s;
  }
}
