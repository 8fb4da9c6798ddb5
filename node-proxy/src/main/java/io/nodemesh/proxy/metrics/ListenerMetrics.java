package io.nodemesh.proxy.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.netty.channel.Channel;
import io.nodemesh.config.ListenerConfig;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The meters of one listener (a called Service port), per backend Service of its route. Meters are
 * registered on first use and then cached, so the request path does a map lookup by backend name
 * and an array index; every label value comes from the configuration or from a fixed set.
 */
public final class ListenerMetrics {
  /** Methods kept as label values (RFC 9110 §9 and PATCH); anything else is {@code other}. */
  static final String[] METHODS = {
    "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "other"
  };

  /** Values of {@code code_class}; a status outside 100..599 is a broken answer, so 5xx. */
  static final String[] CLASSES = {"1xx", "2xx", "3xx", "4xx", "5xx"};

  /** Lowest status kept as a {@code code} value (RFC 9110 §15: three digits, 1xx to 5xx). */
  static final int MIN_STATUS = 100;

  /**
   * Values of {@code code}: the exact status 100..599 (at most 500 values, so cardinality stays
   * bounded), then {@code other} for anything a backend sends outside that range.
   */
  static final String[] CODES = codes();

  private static String[] codes() {
    String[] c = new String[501];
    for (int i = 0; i < 500; i++) {
      c[i] = Integer.toString(MIN_STATUS + i);
    }
    c[500] = "other";
    return c;
  }

  /** The backend label of answers the proxy makes before choosing a backend (404, 403, 503). */
  public static final String NO_BACKEND = "none";

  /** The source label while the caller's identity is not known. */
  public static final String UNKNOWN_SOURCE = "unknown";

  /** Distinct sources kept per backend; more fold into {@code other}. */
  static final int MAX_SOURCES = 256;

  /** Latency buckets: 1 ms to 60 s, enough resolution for {@code histogram_quantile}. */
  private static final Duration[] BUCKETS = {
    Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10),
    Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
    Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5),
    Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(60)
  };

  private final ProxyMetrics owner;
  private final MeterRegistry registry;
  private final Tags tags;
  private final Map<String, Backend> backends = new ConcurrentHashMap<>();
  private volatile Counter rateLimited;

  ListenerMetrics(ProxyMetrics owner, String namespace, String service, int port) {
    this.owner = owner;
    this.registry = owner.registry();
    this.tags = Tags.of("namespace", namespace, "service", service, "port", Integer.toString(port));
  }

  /**
   * Records one finished HTTP request.
   *
   * @param backend the backend Service (from the config), or {@link #NO_BACKEND}
   * @param source the caller's service account where known, else {@link #UNKNOWN_SOURCE}
   * @param method the request method as sent; only the standard ones become label values
   * @param status the final status; outside 100..599 counts as {@code code="other"}, class 5xx
   */
  public void request(
      String backend,
      String source,
      String method,
      int status,
      long nanos,
      long requestBytes,
      long responseBytes) {
    Backend b = backend(backend);
    b.requests(source).count(methodIndex(method), codeIndex(status)).increment();
    b.duration.record(nanos, TimeUnit.NANOSECONDS);
    if (requestBytes > 0) {
      b.requestBytes.increment(requestBytes);
    }
    if (responseBytes > 0) {
      b.responseBytes.increment(responseBytes);
    }
  }

  /**
   * gRPC status names (https://grpc.github.io/grpc/core/md_doc_statuscodes.html), by code; any
   * other value the backend sends counts as {@code UNKNOWN}.
   */
  static final String[] GRPC_CODES = {
    "OK",
    "CANCELLED",
    "UNKNOWN",
    "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION",
    "ABORTED",
    "OUT_OF_RANGE",
    "UNIMPLEMENTED",
    "INTERNAL",
    "UNAVAILABLE",
    "DATA_LOSS",
    "UNAUTHENTICATED"
  };

  /** The code of a {@code grpc-status} value: 0..16, anything else 2 ({@code UNKNOWN}). */
  public static int grpcCode(String value) {
    String v = value.trim();
    if (v.length() == 1 || v.length() == 2) {
      int c = 0;
      for (int i = 0; i < v.length(); i++) {
        char ch = v.charAt(i);
        if (ch < '0' || ch > '9') {
          return 2;
        }
        c = c * 10 + (ch - '0');
      }
      return c < GRPC_CODES.length ? c : 2;
    }
    return 2;
  }

  /** A gRPC call to {@code backend} ended with status {@code code} (0..16). */
  public void grpc(String backend, int code) {
    backend(backend).grpc(code).increment();
  }

  /**
   * An upstream connect to an endpoint of {@code backend} failed (refused, unreachable, timeout).
   */
  public void connectError(String backend) {
    backend(backend).connectErrors.increment();
  }

  /** A request to {@code backend} is being retried (one count per extra attempt). */
  public void retry(String backend) {
    backend(backend).retries.increment();
  }

  /** A request was refused by the rate limit of this listener. */
  public void rateLimited() {
    Counter c = rateLimited;
    if (c == null) {
      c =
          Counter.builder("nodemesh.rate.limited")
              .description("Requests refused by the rate limit (answered 429)")
              .tags(tags)
              .register(registry);
      rateLimited = c;
    }
    c.increment();
  }

  /**
   * The circuit breaker of {@code backend} changed state: sets {@code
   * nodemesh_circuit_breaker_open} to 1 while it is open or half-open, 0 when closed.
   */
  public void circuitBreakerOpen(String backend, boolean open) {
    owner
        .sharedGauge(
            "nodemesh.circuit.breaker.open",
            "1 while the circuit breaker of a backend is open or half-open",
            tags.and("backend", backend))
        .set(open ? 1 : 0);
  }

  /**
   * Sets {@code nodemesh_split_backend_unavailable} of a weighted split backend: 1 while it has no
   * usable endpoint, so its weight goes to the other backends; 0 when it serves again.
   */
  public void splitBackendUnavailable(String backend, boolean unavailable) {
    owner
        .sharedGauge(
            "nodemesh.split.backend.unavailable",
            "1 while a weighted split backend has no ready endpoint and its share goes to the others",
            tags.and("backend", backend))
        .set(unavailable ? 1 : 0);
  }

  /** Sets how many endpoints of {@code backend} are ejected by outlier detection right now. */
  public void ejectedEndpoints(String backend, int count) {
    owner
        .sharedGauge(
            "nodemesh.ejected.endpoints",
            "Endpoints of a backend ejected by passive outlier detection",
            tags.and("backend", backend))
        .set(count);
  }

  /**
   * Starts observing one relayed TCP connection or UDP session to an endpoint of {@code backend};
   * counts it as open until {@link ConnectionObservation#end}.
   *
   * @param protocol {@code tcp} or {@code udp}
   */
  public ConnectionObservation connection(
      String protocol,
      ListenerConfig listener,
      String backend,
      String endpoint,
      SocketAddress client) {
    return new ConnectionObservation(
        owner, backend(backend).relay(protocol), protocol, listener, backend, endpoint, client);
  }

  /** Counts a client connection accepted on a TCP listener until it closes. */
  public void accepted(Channel client, String protocol) {
    owner.downstreamOpened(client, protocol);
  }

  private Backend backend(String name) {
    Backend b = backends.get(name);
    return b != null ? b : backends.computeIfAbsent(name, Backend::new);
  }

  static int methodIndex(String method) {
    return switch (method) {
      case "GET" -> 0;
      case "HEAD" -> 1;
      case "POST" -> 2;
      case "PUT" -> 3;
      case "DELETE" -> 4;
      case "CONNECT" -> 5;
      case "OPTIONS" -> 6;
      case "TRACE" -> 7;
      case "PATCH" -> 8;
      default -> 9;
    };
  }

  /** The index into {@link #CODES} of a status: exact for 100..599, else {@code other}. */
  static int codeIndex(int status) {
    int i = status - MIN_STATUS;
    return i >= 0 && i < CODES.length - 1 ? i : CODES.length - 1;
  }

  /** The index into {@link #CLASSES} of a {@link #CODES} index. */
  static int classOf(int codeIndex) {
    return codeIndex == CODES.length - 1 ? CLASSES.length - 1 : codeIndex / 100;
  }

  /** The meters of one backend Service of this listener. */
  private final class Backend {
    final String name;
    final Tags backendTags;
    final Timer duration;
    final Counter requestBytes;
    final Counter responseBytes;
    final Counter connectErrors;
    final Counter retries;
    final Requests unknownSource;
    final Map<String, Requests> bySource = new ConcurrentHashMap<>();
    final Map<String, RelayMeters> relays = new ConcurrentHashMap<>();
    final AtomicReferenceArray<Counter> grpc = new AtomicReferenceArray<>(GRPC_CODES.length);

    Backend(String name) {
      this.name = name;
      this.backendTags = tags.and("backend", name);
      duration =
          Timer.builder("nodemesh.request.duration")
              .description("Time from request head to the end of the response")
              .tags(backendTags)
              .serviceLevelObjectives(BUCKETS)
              .register(registry);
      requestBytes =
          Counter.builder("nodemesh.request.bytes")
              .description("HTTP request body bytes received from clients")
              .baseUnit("bytes")
              .tags(backendTags)
              .register(registry);
      responseBytes =
          Counter.builder("nodemesh.response.bytes")
              .description("HTTP response body bytes sent to clients")
              .baseUnit("bytes")
              .tags(backendTags)
              .register(registry);
      connectErrors =
          Counter.builder("nodemesh.upstream.connect.errors")
              .description("Failed connects to endpoints of a backend")
              .tags(backendTags)
              .register(registry);
      retries =
          Counter.builder("nodemesh.retries")
              .description("Extra attempts made for requests to a backend")
              .tags(backendTags)
              .register(registry);
      unknownSource = new Requests(UNKNOWN_SOURCE);
    }

    Requests requests(String source) {
      if (source == null || UNKNOWN_SOURCE.equals(source)) {
        return unknownSource;
      }
      Requests r = bySource.get(source);
      if (r != null) {
        return r;
      }
      String s = bySource.size() < MAX_SOURCES ? source : "other";
      return bySource.computeIfAbsent(s, Requests::new);
    }

    Counter grpc(int code) {
      Counter c = grpc.get(code);
      if (c == null) {
        c =
            Counter.builder("nodemesh.grpc.responses")
                .description("gRPC calls answered, by gRPC status")
                .tags(backendTags)
                .tag("grpc_code", GRPC_CODES[code])
                .register(registry);
        grpc.set(code, c);
      }
      return c;
    }

    RelayMeters relay(String protocol) {
      RelayMeters r = relays.get(protocol);
      return r != null
          ? r
          : relays.computeIfAbsent(protocol, p -> new RelayMeters(owner, p, backendTags));
    }

    /**
     * Request counters of one source, by method and exact status, registered on first use. The
     * table per method (501 slots) is made when the method is first seen, so a source that only
     * sends GET costs one table, not ten.
     */
    final class Requests {
      final Tags sourceTags;
      final AtomicReferenceArray<AtomicReferenceArray<Counter>> byMethod =
          new AtomicReferenceArray<>(METHODS.length);

      Requests(String source) {
        sourceTags = backendTags.and("source", source);
      }

      Counter count(int method, int code) {
        AtomicReferenceArray<Counter> codes = byMethod.get(method);
        if (codes == null) {
          byMethod.compareAndSet(method, null, new AtomicReferenceArray<>(CODES.length));
          codes = byMethod.get(method);
        }
        Counter c = codes.get(code);
        if (c == null) {
          // Micrometer returns the meter already registered for the same tags, so a race here
          // only builds the id twice.
          c =
              Counter.builder("nodemesh.requests")
                  .description("HTTP requests proxied, by backend, method and status code")
                  .tags(sourceTags)
                  .tag("method", METHODS[method])
                  .tag("code", CODES[code])
                  .tag("code_class", CLASSES[classOf(code)])
                  .register(registry);
          codes.set(code, c);
        }
        return c;
      }
    }
  }
}
