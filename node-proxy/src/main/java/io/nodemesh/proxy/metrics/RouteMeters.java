package io.nodemesh.proxy.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Meters per Gateway API route rule (issue 17): requests by status class and their duration, and
 * the mirror copies of each rule. The {@code route} label is the rule's name; a proxy gives its own
 * label to at most {@link #DEFAULT_MAX_ROUTES} names and counts the others under {@link #OVERFLOW},
 * so a tenant who writes a thousand routes cannot make a thousand series per proxy. Meters are made
 * when a config is compiled, never on the request path.
 */
public final class RouteMeters {
  /** Distinct route labels one proxy keeps (docs/metrics.md). */
  public static final int DEFAULT_MAX_ROUTES = 200;

  /** The route label of the names beyond the cap. */
  public static final String OVERFLOW = "_other";

  private static final String[] CLASSES = {"1xx", "2xx", "3xx", "4xx", "5xx", "other"};
  private static final Duration[] BUCKETS = {
    Duration.ofMillis(5),
    Duration.ofMillis(25),
    Duration.ofMillis(100),
    Duration.ofMillis(250),
    Duration.ofSeconds(1),
    Duration.ofMillis(2500),
    Duration.ofSeconds(10)
  };

  private final MeterRegistry registry;
  private final int maxRoutes;
  private final Map<String, Meter> byRoute = new ConcurrentHashMap<>();

  public RouteMeters(MeterRegistry registry, int maxRoutes) {
    this.registry = registry;
    this.maxRoutes = maxRoutes;
  }

  /** The meter of rule {@code route} of Service {@code namespace/service}. */
  public Meter meter(String namespace, String service, String route) {
    String key = namespace + "/" + service + ">" + route;
    Meter m = byRoute.get(key);
    if (m != null) {
      return m;
    }
    synchronized (byRoute) {
      m = byRoute.get(key);
      if (m != null) {
        return m;
      }
      long named = byRoute.values().stream().filter(v -> !v.overflow).count();
      if (named >= maxRoutes) {
        String over = namespace + "/" + service + ">" + OVERFLOW;
        Meter o = byRoute.computeIfAbsent(over, k -> new Meter(namespace, service, OVERFLOW));
        // The overflow meter is shared by every name beyond the cap; not cached under the name,
        // so names seen later still find it without growing the map.
        return o;
      }
      m = new Meter(namespace, service, route);
      byRoute.put(key, m);
      return m;
    }
  }

  /** Distinct route labels in use, the overflow label included (tests, diagnostics). */
  public int size() {
    return byRoute.size();
  }

  /** The meters of one route label. */
  public final class Meter {
    private final boolean overflow;
    private final Tags tags;
    private final Timer duration;
    private final AtomicReferenceArray<Counter> byClass = new AtomicReferenceArray<>(6);
    private volatile Counter mirrorSent;
    private volatile Counter mirrorDropped;
    private volatile Counter mirrorFailed;

    Meter(String namespace, String service, String route) {
      this.overflow = OVERFLOW.equals(route);
      this.tags = Tags.of("namespace", namespace, "service", service, "route", route);
      this.duration =
          Timer.builder("nodemesh.route.request.duration")
              .description("Time from request head to the end of the response, per route rule")
              .tags(tags)
              .serviceLevelObjectives(BUCKETS)
              .register(registry);
    }

    /** One request of this rule ended with {@code status} after {@code nanos}. */
    public void record(int status, long nanos) {
      int c = status >= 100 && status < 600 ? status / 100 - 1 : 5;
      Counter counter = byClass.get(c);
      if (counter == null) {
        counter =
            Counter.builder("nodemesh.route.requests")
                .description("HTTP requests per route rule, by status class")
                .tags(tags)
                .tag("code_class", CLASSES[c])
                .register(registry);
        byClass.set(c, counter);
      }
      counter.increment();
      duration.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** A mirror copy was sent and answered with a status below 500. */
    public void mirrorSent() {
      Counter c = mirrorSent;
      if (c == null) {
        c = mirrorSent = mirror("sent");
      }
      c.increment();
    }

    /** A mirror copy was not sent: too many in flight, or its body too large to copy. */
    public void mirrorDropped() {
      Counter c = mirrorDropped;
      if (c == null) {
        c = mirrorDropped = mirror("dropped");
      }
      c.increment();
    }

    /** A mirror copy failed: connect error, reset, timeout or a 5xx answer. */
    public void mirrorFailed() {
      Counter c = mirrorFailed;
      if (c == null) {
        c = mirrorFailed = mirror("failed");
      }
      c.increment();
    }

    private Counter mirror(String result) {
      return Counter.builder("nodemesh.route.mirror.requests")
          .description("Mirror copies of requests per route rule, by result")
          .tags(tags)
          .tag("result", result)
          .register(registry);
    }
  }
}
