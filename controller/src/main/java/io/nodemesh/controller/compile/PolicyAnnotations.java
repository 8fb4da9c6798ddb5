package io.nodemesh.controller.compile;

import io.fabric8.kubernetes.api.model.Service;
import io.nodemesh.config.Scheme;
import io.nodemesh.config.ServicePolicy;
import io.nodemesh.config.ServicePolicy.Balancing;
import io.nodemesh.config.ServicePolicy.CircuitBreaker;
import io.nodemesh.config.ServicePolicy.Connections;
import io.nodemesh.config.ServicePolicy.HashOn;
import io.nodemesh.config.ServicePolicy.LbPolicy;
import io.nodemesh.config.ServicePolicy.Outlier;
import io.nodemesh.config.ServicePolicy.RateLimit;
import io.nodemesh.config.ServicePolicy.Retry;
import io.nodemesh.config.ServicePolicy.Timeouts;
import io.nodemesh.controller.common.Problem;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a Service's {@code nodemesh.io/*} policy annotations into a {@link ServicePolicy}. A value
 * that does not parse, or is out of range, becomes a {@link Problem} (reason {@code
 * InvalidAnnotation}) naming the Service, the annotation and the value, and the documented default
 * applies; the other annotations still count. The table of every annotation is {@code
 * docs/annotations.md}.
 */
public final class PolicyAnnotations {
  public static final String PREFIX = "nodemesh.io/";
  public static final String SCHEME = PREFIX + "scheme";
  public static final String LB_POLICY = PREFIX + "lb-policy";
  public static final String LB_HASH_KEY = PREFIX + "lb-hash-key";
  public static final String PREFER_SAME_NODE = PREFIX + "prefer-same-node";
  public static final String CONNECT_TIMEOUT = PREFIX + "connect-timeout";
  public static final String TIMEOUT = PREFIX + "timeout";
  public static final String IDLE_TIMEOUT = PREFIX + "idle-timeout";
  public static final String RETRY_ATTEMPTS = PREFIX + "retry-attempts";
  public static final String RETRY_TIMEOUT = PREFIX + "retry-timeout";
  public static final String RETRY_BACKOFF = PREFIX + "retry-backoff";
  public static final String RETRY_BACKOFF_MAX = PREFIX + "retry-backoff-max";
  public static final String RETRY_BUDGET = PREFIX + "retry-budget";
  public static final String RETRY_BUDGET_MIN = PREFIX + "retry-budget-min";
  public static final String CB_FAILURES = PREFIX + "circuit-breaker-failures";
  public static final String CB_RATIO = PREFIX + "circuit-breaker-ratio";
  public static final String CB_MIN_REQUESTS = PREFIX + "circuit-breaker-min-requests";
  public static final String CB_WINDOW = PREFIX + "circuit-breaker-window";
  public static final String CB_OPEN = PREFIX + "circuit-breaker-open";
  public static final String CB_HALF_OPEN = PREFIX + "circuit-breaker-half-open-requests";
  public static final String OUTLIER_FAILURES = PREFIX + "outlier-failures";
  public static final String OUTLIER_EJECTION = PREFIX + "outlier-ejection";
  public static final String OUTLIER_MAX_PERCENT = PREFIX + "outlier-max-percent";
  public static final String RATELIMIT_AVERAGE = PREFIX + "ratelimit-average";
  public static final String RATELIMIT_BURST = PREFIX + "ratelimit-burst";
  public static final String RATELIMIT_PER_SOURCE = PREFIX + "ratelimit-per-source";
  public static final String UPGRADE_PROTOCOLS = PREFIX + "upgrade-protocols";
  public static final String MAX_CONNECTIONS = PREFIX + "max-connections";
  public static final String ALLOW_ENCODED_SLASHES = PREFIX + "allow-encoded-slashes";

  /** Every policy annotation this class reads, for docs and tests. */
  public static final List<String> ALL =
      List.of(
          SCHEME,
          LB_POLICY,
          LB_HASH_KEY,
          PREFER_SAME_NODE,
          CONNECT_TIMEOUT,
          TIMEOUT,
          IDLE_TIMEOUT,
          RETRY_ATTEMPTS,
          RETRY_TIMEOUT,
          RETRY_BACKOFF,
          RETRY_BACKOFF_MAX,
          RETRY_BUDGET,
          RETRY_BUDGET_MIN,
          CB_FAILURES,
          CB_RATIO,
          CB_MIN_REQUESTS,
          CB_WINDOW,
          CB_OPEN,
          CB_HALF_OPEN,
          OUTLIER_FAILURES,
          OUTLIER_EJECTION,
          OUTLIER_MAX_PERCENT,
          RATELIMIT_AVERAGE,
          RATELIMIT_BURST,
          RATELIMIT_PER_SOURCE,
          UPGRADE_PROTOCOLS,
          MAX_CONNECTIONS,
          ALLOW_ENCODED_SLASHES);

  private static final Pattern DURATION_PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)");
  private static final long MAX_DURATION_MILLIS = 24L * 3600 * 1000;

  private final Service service;
  private final Map<String, String> annotations;

  /** For a value translated from a Traefik Mesh alias: our key to the alias the user wrote. */
  private final Map<String, String> origins;

  private final List<Problem> problems;

  private PolicyAnnotations(Service service, List<Problem> problems) {
    this.service = service;
    Map<String, String> a = service.getMetadata().getAnnotations();
    TraefikMeshAliases.Translated translated =
        TraefikMeshAliases.translate(service, a == null ? Map.of() : a, problems);
    this.annotations = translated.annotations();
    this.origins = translated.origins();
    this.problems = problems;
  }

  /**
   * The policy of a Service; adds one problem per annotation that does not parse. Traefik Mesh's
   * {@code mesh.traefik.io/*} annotations count as aliases ({@link TraefikMeshAliases}).
   *
   * @param problems where problems go
   */
  public static ServicePolicy parse(Service service, List<Problem> problems) {
    PolicyAnnotations p = new PolicyAnnotations(service, problems);
    if (p.annotations.keySet().stream().noneMatch(k -> k.startsWith(PREFIX))) {
      return ServicePolicy.defaults();
    }
    return new ServicePolicy(
        p.value(SCHEME, Scheme::parse, Scheme.HTTP, "http, h2c or https"),
        p.balancing(),
        p.timeouts(),
        p.retry(),
        p.circuitBreaker(),
        p.outlier(),
        p.rateLimit(),
        p.connections(),
        new ServicePolicy.Paths(
            p.value(ALLOW_ENCODED_SLASHES, PolicyAnnotations::bool, false, "true or false")));
  }

  /**
   * Reports a Service with UDP ports whose {@code idle-timeout} is above what proxies keep a UDP
   * session for ({@link Timeouts#UDP_IDLE_BOUND_MILLIS}); they cut it to that bound.
   */
  static void reportUdpIdle(Service service, ServicePolicy policy, List<Problem> problems) {
    long idle = policy.timeouts().idleMillis();
    if (idle <= Timeouts.UDP_IDLE_BOUND_MILLIS) {
      return;
    }
    PolicyAnnotations p = new PolicyAnnotations(service, problems);
    problems.add(
        p.problem(
            IDLE_TIMEOUT,
            "value '"
                + p.annotations.get(IDLE_TIMEOUT)
                + "' is above the "
                + Timeouts.UDP_IDLE_BOUND_MILLIS / 60_000
                + "m a UDP session may stay idle; proxies use "
                + Timeouts.UDP_IDLE_BOUND_MILLIS / 60_000
                + "m for its UDP ports"));
  }

  private Connections connections() {
    List<String> upgrades =
        value(
            UPGRADE_PROTOCOLS,
            PolicyAnnotations::protocols,
            Connections.DEFAULT_UPGRADES,
            "a comma-separated list of at most "
                + Connections.MAX_PROTOCOLS
                + " protocol names other than h2c, or none",
            "websocket");
    int max = integer(MAX_CONNECTIONS, 0, 1_000_000, 0);
    return new Connections(upgrades, max);
  }

  /** {@code websocket,foo} or {@code none}; validated by {@link Connections}. */
  static List<String> protocols(String v) {
    if (v.equalsIgnoreCase("none")) {
      return List.of();
    }
    if (v.length() > Connections.MAX_PROTOCOLS * (Connections.MAX_PROTOCOL_LENGTH + 2)) {
      throw new IllegalArgumentException("too long");
    }
    return new Connections(List.of(v.split(",", -1)), 0).upgradeProtocols();
  }

  private Balancing balancing() {
    Balancing d = Balancing.DEFAULTS;
    LbPolicy policy =
        value(
            LB_POLICY,
            LbPolicy::parse,
            d.policy(),
            "round-robin, least-request, random, ewma or consistent-hash");
    Balancing key =
        value(LB_HASH_KEY, PolicyAnnotations::hashKey, d, "source-ip, header:NAME or cookie:NAME");
    boolean sameNode = value(PREFER_SAME_NODE, PolicyAnnotations::bool, true, "true or false");
    return new Balancing(policy, key.hashOn(), key.hashName(), sameNode);
  }

  private Timeouts timeouts() {
    return new Timeouts(
        duration(CONNECT_TIMEOUT, 0, "the proxy's connect timeout (5s)"),
        duration(TIMEOUT, 0, "the proxy's request timeout (30s)"),
        duration(IDLE_TIMEOUT, 0, "the proxy's idle timeout (5m)"));
  }

  private Retry retry() {
    Retry d = Retry.DEFAULTS;
    int attempts = integer(RETRY_ATTEMPTS, 0, 10, d.attempts());
    long perTry = duration(RETRY_TIMEOUT, d.perTryMillis(), "none");
    long base = duration(RETRY_BACKOFF, d.backoffBaseMillis(), "25ms");
    long max = duration(RETRY_BACKOFF_MAX, d.backoffMaxMillis(), "1s");
    if (max < base) {
      problems.add(
          problem(
              RETRY_BACKOFF_MAX,
              "value '"
                  + annotations.get(RETRY_BACKOFF_MAX)
                  + "' is below "
                  + RETRY_BACKOFF
                  + " ("
                  + base
                  + "ms); using "
                  + base
                  + "ms"));
      max = base;
    }
    double ratio = ratio(RETRY_BUDGET, d.budgetRatio());
    int min = integer(RETRY_BUDGET_MIN, 0, 1_000_000, d.budgetMinPerSecond());
    return new Retry(attempts, perTry, base, max, ratio, min);
  }

  private CircuitBreaker circuitBreaker() {
    CircuitBreaker d = CircuitBreaker.DEFAULTS;
    return new CircuitBreaker(
        integer(CB_FAILURES, 0, 1_000_000, d.consecutiveFailures()),
        ratio(CB_RATIO, d.errorRatio()),
        integer(CB_MIN_REQUESTS, 1, 1_000_000, d.minRequests()),
        positiveDuration(CB_WINDOW, d.windowMillis(), "10s"),
        positiveDuration(CB_OPEN, d.openMillis(), "10s"),
        integer(CB_HALF_OPEN, 1, 1000, d.halfOpenRequests()));
  }

  private Outlier outlier() {
    Outlier d = Outlier.DEFAULTS;
    return new Outlier(
        integer(OUTLIER_FAILURES, 0, 1_000_000, d.consecutiveFailures()),
        positiveDuration(OUTLIER_EJECTION, d.ejectionMillis(), "30s"),
        integer(OUTLIER_MAX_PERCENT, 0, 100, d.maxEjectionPercent()));
  }

  private RateLimit rateLimit() {
    double average =
        value(
            RATELIMIT_AVERAGE,
            v -> {
              double x = Double.parseDouble(v);
              if (!(x >= 0) || x > 1e9) {
                throw new IllegalArgumentException("out of range");
              }
              return x;
            },
            0.0,
            "a number of requests per second, 0 or more");
    long burst = integer(RATELIMIT_BURST, 1, Integer.MAX_VALUE, 0);
    boolean perSource =
        value(RATELIMIT_PER_SOURCE, PolicyAnnotations::bool, false, "true or false");
    return new RateLimit(average, burst, perSource);
  }

  private int integer(String key, int min, int max, int fallback) {
    return value(
        key,
        v -> {
          int x = Integer.parseInt(v);
          if (x < min || x > max) {
            throw new IllegalArgumentException("out of range");
          }
          return x;
        },
        fallback,
        "an integer in " + min + ".." + max);
  }

  private double ratio(String key, double fallback) {
    return value(key, PolicyAnnotations::ratio, fallback, "a ratio in 0..1 or a percentage");
  }

  private long duration(String key, long fallbackMillis, String fallbackText) {
    return value(
        key,
        PolicyAnnotations::millis,
        fallbackMillis,
        "a duration like 250ms, 5s, 1m or 1m30s",
        fallbackText);
  }

  private long positiveDuration(String key, long fallbackMillis, String fallbackText) {
    return value(
        key,
        v -> {
          long x = millis(v);
          if (x == 0) {
            throw new IllegalArgumentException("zero");
          }
          return x;
        },
        fallbackMillis,
        "a positive duration like 250ms, 5s or 1m",
        fallbackText);
  }

  private <T> T value(String key, Function<String, T> parser, T fallback, String expected) {
    return value(key, parser, fallback, expected, null);
  }

  private <T> T value(
      String key, Function<String, T> parser, T fallback, String expected, String fallbackText) {
    String raw = annotations.get(key);
    if (raw == null) {
      return fallback;
    }
    try {
      return parser.apply(raw.trim());
    } catch (RuntimeException e) {
      String using = fallbackText != null ? fallbackText : describe(fallback);
      problems.add(
          problem(
              key,
              "invalid value '"
                  + raw
                  + "' (expected "
                  + expected
                  + "); using the default "
                  + using));
      return fallback;
    }
  }

  private static String describe(Object fallback) {
    return switch (fallback) {
      case LbPolicy p -> p.wireName();
      case Scheme s -> s.wireName();
      case Balancing b ->
          b.hashOn() == HashOn.SOURCE_IP ? "source-ip" : b.hashOn().wireName() + ":" + b.hashName();
      default -> String.valueOf(fallback);
    };
  }

  private Problem problem(String key, String message) {
    String written = origins.get(key);
    return TraefikMeshAliases.problem(
        service,
        written == null ? key : written,
        written == null ? message : "as " + key + ": " + message);
  }

  static boolean bool(String v) {
    return switch (v.toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new IllegalArgumentException("not a boolean");
    };
  }

  /** {@code 0.2} or {@code 20%}. */
  static double ratio(String v) {
    double x =
        v.endsWith("%")
            ? Double.parseDouble(v.substring(0, v.length() - 1).trim()) / 100
            : Double.parseDouble(v);
    if (!(x >= 0 && x <= 1)) {
      throw new IllegalArgumentException("out of range");
    }
    return x;
  }

  /** {@code source-ip}, {@code header:X-User} or {@code cookie:session}. */
  static Balancing hashKey(String v) {
    if (v.equalsIgnoreCase("source-ip")) {
      return Balancing.DEFAULTS;
    }
    int colon = v.indexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException("no kind");
    }
    HashOn on = HashOn.parse(v.substring(0, colon));
    String name = v.substring(colon + 1).trim();
    if (on == HashOn.SOURCE_IP || name.isEmpty() || !name.matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")) {
      throw new IllegalArgumentException("bad name");
    }
    return new Balancing(LbPolicy.CONSISTENT_HASH, on, name, true);
  }

  /**
   * A Go-style duration: one or more {@code <number><unit>} parts, units {@code ms}, {@code s},
   * {@code m}, {@code h} ({@code 250ms}, {@code 1.5s}, {@code 1m30s}); {@code 0} alone is zero. At
   * most 24 h.
   */
  static long millis(String v) {
    if (v.equals("0")) {
      return 0;
    }
    Matcher m = DURATION_PART.matcher(v);
    int at = 0;
    double total = 0;
    while (at < v.length() && m.find(at) && m.start() == at) {
      double n = Double.parseDouble(m.group(1));
      total +=
          switch (m.group(2)) {
            case "ms" -> n;
            case "s" -> n * 1000;
            case "m" -> n * 60_000;
            default -> n * 3_600_000;
          };
      at = m.end();
    }
    if (at == 0 || at != v.length() || total > MAX_DURATION_MILLIS) {
      throw new IllegalArgumentException("not a duration");
    }
    return Math.round(total);
  }
}
