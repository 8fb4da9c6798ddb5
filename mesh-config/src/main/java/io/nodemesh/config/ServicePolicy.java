package io.nodemesh.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * How the proxy treats one meshed Service port: the values of its {@code nodemesh.io/*} annotations
 * after parsing, with the documented defaults filled in. A part that is absent (null, or missing
 * from the JSON of an older controller) reads as its defaults.
 *
 * @param scheme the protocol spoken to the Service's endpoints
 * @param balancing how an endpoint is picked
 * @param timeouts connect, request and idle timeouts; 0 means the proxy's own setting
 * @param retry retries, backoff and retry budget
 * @param circuitBreaker when to stop sending to a backend Service for a while
 * @param outlier passive ejection of single failing endpoints
 * @param rateLimit requests (HTTP) or connections (TCP) admitted per second
 * @param connections connection-level settings: upgrade protocols, connection cap
 * @param paths which request paths the Service accepts beyond the canonical rules
 */
public record ServicePolicy(
    Scheme scheme,
    Balancing balancing,
    Timeouts timeouts,
    Retry retry,
    CircuitBreaker circuitBreaker,
    Outlier outlier,
    RateLimit rateLimit,
    Connections connections,
    Paths paths) {
  /**
   * The defaults, built on first use rather than in this class's static initialiser: the nested
   * records' constructors call this class's static checks, so a nested record initialised first
   * (say {@code Connections}, by code that touches it before any ServicePolicy) would otherwise
   * start this class's initialiser while its own {@code DEFAULTS} is still null, and the shared
   * default policy would keep {@code connections == null} for the life of the JVM (JLS §12.4.2).
   */
  private static final class Defaults {
    static final ServicePolicy POLICY = new ServicePolicy(Scheme.HTTP);

    private Defaults() {}
  }

  /** Every part that is null takes its default, so the accessors never return null. */
  public ServicePolicy(
      @Nullable Scheme scheme,
      @Nullable Balancing balancing,
      @Nullable Timeouts timeouts,
      @Nullable Retry retry,
      @Nullable CircuitBreaker circuitBreaker,
      @Nullable Outlier outlier,
      @Nullable RateLimit rateLimit,
      @Nullable Connections connections,
      @Nullable Paths paths) {
    this.scheme = scheme == null ? Scheme.HTTP : scheme;
    this.balancing = balancing == null ? Balancing.DEFAULTS : balancing;
    this.timeouts = timeouts == null ? Timeouts.DEFAULTS : timeouts;
    this.retry = retry == null ? Retry.DEFAULTS : retry;
    this.circuitBreaker = circuitBreaker == null ? CircuitBreaker.DEFAULTS : circuitBreaker;
    this.outlier = outlier == null ? Outlier.DEFAULTS : outlier;
    this.rateLimit = rateLimit == null ? RateLimit.DEFAULTS : rateLimit;
    this.connections = connections == null ? Connections.DEFAULTS : connections;
    this.paths = paths == null ? Paths.DEFAULTS : paths;
  }

  /** As the canonical constructor, with the default connection and path settings. */
  public ServicePolicy(
      @Nullable Scheme scheme,
      @Nullable Balancing balancing,
      @Nullable Timeouts timeouts,
      @Nullable Retry retry,
      @Nullable CircuitBreaker circuitBreaker,
      @Nullable Outlier outlier,
      @Nullable RateLimit rateLimit) {
    this(scheme, balancing, timeouts, retry, circuitBreaker, outlier, rateLimit, null, null);
  }

  /** A policy with the given scheme and every other part at its defaults. */
  public ServicePolicy(@Nullable Scheme scheme) {
    this(scheme, null, null, null, null, null, null);
  }

  /** The policy of a Service that carries no annotations. */
  public static ServicePolicy defaults() {
    return Defaults.POLICY;
  }

  public ServicePolicy withScheme(Scheme value) {
    return new ServicePolicy(
        value, balancing, timeouts, retry, circuitBreaker, outlier, rateLimit, connections, paths);
  }

  public ServicePolicy withConnections(Connections value) {
    return new ServicePolicy(
        scheme, balancing, timeouts, retry, circuitBreaker, outlier, rateLimit, value, paths);
  }

  public ServicePolicy withPaths(Paths value) {
    return new ServicePolicy(
        scheme, balancing, timeouts, retry, circuitBreaker, outlier, rateLimit, connections, value);
  }

  /** The balancing algorithm, chosen by {@code nodemesh.io/lb-policy}. */
  public enum LbPolicy {
    /** Round robin over endpoints (split backends keep their TrafficSplit weights). */
    ROUND_ROBIN("round-robin"),
    /** Least outstanding requests among two endpoints picked at random. */
    LEAST_REQUEST("least-request"),
    /** Uniformly random. */
    RANDOM("random"),
    /** Peak EWMA of latency times outstanding requests, among two picked at random. */
    EWMA("ewma"),
    /** A consistent hash ring keyed by a header, a cookie or the source IP. */
    CONSISTENT_HASH("consistent-hash");

    private final String wireName;

    LbPolicy(String wireName) {
      this.wireName = wireName;
    }

    @JsonValue
    public String wireName() {
      return wireName;
    }

    /**
     * Parses the annotation or JSON value.
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    @JsonCreator
    public static LbPolicy parse(String value) {
      String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
      for (LbPolicy p : values()) {
        if (p.wireName.equals(v)) {
          return p;
        }
      }
      throw new IllegalArgumentException(
          "unknown lb policy '"
              + value
              + "' (expected round-robin, least-request, random, ewma or consistent-hash)");
    }
  }

  /** What a consistent hash is keyed by. */
  public enum HashOn {
    HEADER,
    COOKIE,
    SOURCE_IP;

    @JsonValue
    public String wireName() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    @JsonCreator
    public static HashOn parse(String value) {
      for (HashOn h : values()) {
        if (h.wireName().equalsIgnoreCase(value == null ? "" : value.trim())) {
          return h;
        }
      }
      throw new IllegalArgumentException(
          "unknown hash key '" + value + "' (expected header, cookie or source-ip)");
    }
  }

  /**
   * @param policy the algorithm
   * @param hashOn what {@link LbPolicy#CONSISTENT_HASH} hashes
   * @param hashName the header or cookie name (null for the source IP)
   * @param preferSameNode pick among the endpoints on the proxy's own node while any is usable
   */
  public record Balancing(
      LbPolicy policy, HashOn hashOn, @Nullable String hashName, Boolean preferSameNode) {
    public static final Balancing DEFAULTS =
        new Balancing(LbPolicy.ROUND_ROBIN, HashOn.SOURCE_IP, null, true);

    /** Null policy, hash source or preference take their defaults. */
    public Balancing(
        @Nullable LbPolicy policy,
        @Nullable HashOn hashOn,
        @Nullable String hashName,
        @Nullable Boolean preferSameNode) {
      this.policy = policy == null ? LbPolicy.ROUND_ROBIN : policy;
      this.hashOn = hashOn == null ? HashOn.SOURCE_IP : hashOn;
      this.preferSameNode = preferSameNode == null || preferSameNode;
      if (this.hashOn != HashOn.SOURCE_IP && (hashName == null || hashName.isBlank())) {
        throw new IllegalArgumentException(
            "balancing: hashOn " + this.hashOn.wireName() + " needs a hashName");
      }
      this.hashName = this.hashOn == HashOn.SOURCE_IP ? null : hashName;
    }
  }

  /**
   * Timeouts; 0 means the proxy's own setting (5 s connect, 30 s request, 5 min idle by default).
   *
   * @param connectMillis upstream TCP connect
   * @param requestMillis from the end of the request to the response head, retries included
   * @param idleMillis a TCP relay with no traffic either way for this long is closed
   */
  public record Timeouts(long connectMillis, long requestMillis, long idleMillis) {
    public static final Timeouts DEFAULTS = new Timeouts(0, 0, 0);

    /**
     * The longest {@code idleMillis} a UDP session keeps by default (5 minutes): an idle session
     * holds a socket and a slot of the listener's session cap, so proxies cut a longer one to this
     * and the controller reports it.
     */
    public static final long UDP_IDLE_BOUND_MILLIS = 5 * 60_000;

    public Timeouts {
      notNegative("timeouts", "connectMillis", connectMillis);
      notNegative("timeouts", "requestMillis", requestMillis);
      notNegative("timeouts", "idleMillis", idleMillis);
    }
  }

  /**
   * Retries of failed requests. Only idempotent methods are retried once the request has reached a
   * backend; any method is retried after a connect failure.
   *
   * @param attempts retries after the first try; 0 turns retries off
   * @param perTryMillis time to the response head of one try; 0 means only the request timeout
   * @param backoffBaseMillis first backoff ceiling; doubles per retry (full jitter)
   * @param backoffMaxMillis backoff ceiling
   * @param budgetRatio retries allowed as a fraction of requests over the last 10 s
   * @param budgetMinPerSecond retries always allowed per second, whatever the ratio
   */
  public record Retry(
      int attempts,
      long perTryMillis,
      long backoffBaseMillis,
      long backoffMaxMillis,
      double budgetRatio,
      int budgetMinPerSecond) {
    public static final Retry DEFAULTS = new Retry(0, 0, 25, 1000, 0.2, 10);

    public Retry {
      if (attempts < 0 || attempts > 10) {
        throw new IllegalArgumentException("retry: attempts " + attempts + " is not in 0..10");
      }
      notNegative("retry", "perTryMillis", perTryMillis);
      backoffBaseMillis = backoffBaseMillis <= 0 ? 25 : backoffBaseMillis;
      backoffMaxMillis =
          backoffMaxMillis <= 0 ? Math.max(1000, backoffBaseMillis) : backoffMaxMillis;
      if (backoffMaxMillis < backoffBaseMillis) {
        throw new IllegalArgumentException(
            "retry: backoffMaxMillis "
                + backoffMaxMillis
                + " is below backoffBaseMillis "
                + backoffBaseMillis);
      }
      if (!(budgetRatio >= 0 && budgetRatio <= 1)) {
        throw new IllegalArgumentException("retry: budgetRatio " + budgetRatio + " is not in 0..1");
      }
      notNegative("retry", "budgetMinPerSecond", budgetMinPerSecond);
    }
  }

  /**
   * A circuit breaker per backend Service of the listener. Open: requests fail fast with 503. After
   * {@code openMillis} it lets {@code halfOpenRequests} probes through; if they all succeed it
   * closes, else it opens again.
   *
   * @param consecutiveFailures opens after this many failures in a row; 0 = not on this ground
   * @param errorRatio opens when at least this fraction of the requests in the window failed; 0 =
   *     not on this ground
   * @param minRequests the window must hold at least this many requests for the ratio to count
   * @param windowMillis the sliding window of the ratio
   * @param openMillis how long it stays open before probing
   * @param halfOpenRequests probes that must succeed to close it
   */
  public record CircuitBreaker(
      int consecutiveFailures,
      double errorRatio,
      int minRequests,
      long windowMillis,
      long openMillis,
      int halfOpenRequests) {
    public static final CircuitBreaker DEFAULTS = new CircuitBreaker(0, 0, 20, 10_000, 10_000, 1);

    public CircuitBreaker {
      notNegative("circuit breaker", "consecutiveFailures", consecutiveFailures);
      if (!(errorRatio >= 0 && errorRatio <= 1)) {
        throw new IllegalArgumentException(
            "circuit breaker: errorRatio " + errorRatio + " is not in 0..1");
      }
      minRequests = minRequests <= 0 ? 20 : minRequests;
      windowMillis = windowMillis <= 0 ? 10_000 : windowMillis;
      openMillis = openMillis <= 0 ? 10_000 : openMillis;
      halfOpenRequests = halfOpenRequests <= 0 ? 1 : halfOpenRequests;
    }

    /** Whether either ground is configured. */
    public boolean enabled() {
      return consecutiveFailures > 0 || errorRatio > 0;
    }
  }

  /**
   * Passive outlier ejection: an endpoint that fails {@code consecutiveFailures} times in a row is
   * left out of balancing for {@code ejectionMillis} times the number of times it has been ejected
   * in a row (at most 10 times), unless that would eject more than {@code maxEjectionPercent} of
   * the backend's endpoints.
   *
   * @param consecutiveFailures 0 turns ejection off
   * @param ejectionMillis base ejection time
   * @param maxEjectionPercent 0..100
   */
  public record Outlier(int consecutiveFailures, long ejectionMillis, int maxEjectionPercent) {
    public static final Outlier DEFAULTS = new Outlier(5, 30_000, 50);

    public Outlier {
      notNegative("outlier", "consecutiveFailures", consecutiveFailures);
      ejectionMillis = ejectionMillis <= 0 ? 30_000 : ejectionMillis;
      if (maxEjectionPercent < 0 || maxEjectionPercent > 100) {
        throw new IllegalArgumentException(
            "outlier: maxEjectionPercent " + maxEjectionPercent + " is not in 0..100");
      }
    }
  }

  /**
   * A token bucket: {@code average} tokens per second, holding at most {@code burst}.
   *
   * @param average requests (HTTP) or new connections (TCP) per second; 0 turns it off
   * @param burst bucket size; 0 means {@code max(1, ceil(average))}
   * @param perSource one bucket per client IP instead of one per Service port on this proxy
   */
  public record RateLimit(double average, long burst, boolean perSource) {
    public static final RateLimit DEFAULTS = new RateLimit(0, 0, false);

    public RateLimit {
      if (!(average >= 0) || Double.isInfinite(average)) {
        throw new IllegalArgumentException("rate limit: average " + average + " is not >= 0");
      }
      notNegative("rate limit", "burst", burst);
      burst = burst == 0 && average > 0 ? Math.max(1, (long) Math.ceil(average)) : burst;
    }

    public boolean enabled() {
      return average > 0;
    }
  }

  /**
   * Connection-level settings.
   *
   * @param upgradeProtocols the {@code Upgrade} protocol names (RFC 9110 §7.8) a client may switch
   *     to with the Service's pods, lower case; any other token is removed from the request, which
   *     then goes on as plain HTTP. {@code h2c} is never allowed: the proxy speaks HTTP/2 to
   *     clients itself, and a backend's HTTP/2 behind a 101 would be a tunnel that no per-request
   *     check sees
   * @param maxConnections open client connections of one TCP listener on one proxy; 0 means the
   *     proxy's own cap. It can only lower that cap, never raise it
   */
  public record Connections(List<String> upgradeProtocols, int maxConnections) {
    /** At most this many protocol names, each at most {@link #MAX_PROTOCOL_LENGTH} characters. */
    public static final int MAX_PROTOCOLS = 16;

    public static final int MAX_PROTOCOL_LENGTH = 64;
    public static final List<String> DEFAULT_UPGRADES = List.of("websocket");
    public static final Connections DEFAULTS = new Connections(DEFAULT_UPGRADES, 0);

    public Connections {
      upgradeProtocols =
          upgradeProtocols == null ? DEFAULT_UPGRADES : protocolNames(upgradeProtocols);
      notNegative("connections", "maxConnections", maxConnections);
    }

    /** Whether a client may switch to the protocol of one {@code Upgrade} list element. */
    public boolean allowsUpgrade(String protocolName) {
      for (String p : upgradeProtocols) {
        if (p.equalsIgnoreCase(protocolName)) {
          return true;
        }
      }
      return false;
    }

    private static List<String> protocolNames(List<String> names) {
      if (names.size() > MAX_PROTOCOLS) {
        throw new IllegalArgumentException(
            "connections: " + names.size() + " upgrade protocols, at most " + MAX_PROTOCOLS);
      }
      List<String> out = new ArrayList<>(names.size());
      for (String n : names) {
        String v = n == null ? "" : n.trim().toLowerCase(Locale.ROOT);
        if (v.isEmpty() || v.length() > MAX_PROTOCOL_LENGTH || !isToken(v)) {
          throw new IllegalArgumentException(
              "connections: upgrade protocol '"
                  + (n != null && n.length() > MAX_PROTOCOL_LENGTH
                      ? n.substring(0, MAX_PROTOCOL_LENGTH) + "..."
                      : n)
                  + "' is not a token of at most "
                  + MAX_PROTOCOL_LENGTH
                  + " characters");
        }
        if (v.equals("h2c")) {
          throw new IllegalArgumentException(
              "connections: upgrade protocol h2c is never forwarded"
                  + " (the proxy speaks HTTP/2 to clients itself)");
        }
        if (!out.contains(v)) {
          out.add(v);
        }
      }
      return List.copyOf(out);
    }

    /** RFC 9110 §5.6.2 {@code token}. */
    private static boolean isToken(String s) {
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        boolean ok =
            (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
        if (!ok) {
          return false;
        }
      }
      return true;
    }
  }

  /**
   * Request paths beyond the canonical rules (docs/access-control.md, "The request path").
   *
   * @param allowEncodedSlashes forward paths holding an encoded {@code /} or {@code \} ({@code
   *     %2F}, {@code %5C}, or a raw {@code \}, sent as {@code %5C}) instead of refusing them with
   *     400: for a backend that treats them as data, not as separators
   */
  public record Paths(boolean allowEncodedSlashes) {
    public static final Paths DEFAULTS = new Paths(false);
  }

  private static void notNegative(String part, String field, long value) {
    if (value < 0) {
      throw new IllegalArgumentException(part + ": " + field + " " + value + " is negative");
    }
  }
}
