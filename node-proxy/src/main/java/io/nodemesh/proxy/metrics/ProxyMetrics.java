package io.nodemesh.proxy.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpRequest;
import io.nodemesh.config.BuildInfo;
import io.nodemesh.proxy.accesslog.AccessLog;
import io.nodemesh.proxy.tap.Taps;
import io.nodemesh.proxy.tracing.Tracing;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The proxy's observability: its meters, and the tracer and access log the request path reports to.
 * Label sets are bounded by the configuration (namespace, service, port, backend) or by fixed sets
 * (method, status 100..599 or other, protocol); never by what a client sends (no paths, no raw
 * status strings, no endpoint IPs). Access denials are counted by {@code proxy.acl}.
 */
public final class ProxyMetrics {
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Tracing tracing;
  private final AccessLog accessLog;
  private final Taps taps = new Taps();
  private final AtomicLong configVersion = new AtomicLong(-1);
  private final AtomicLong lastReloadMillis = new AtomicLong();
  private final Counter reloads;
  private final Counter reloadFailures;
  private final Counter upstreamOpened;
  private final AtomicInteger upstreamOpen = new AtomicInteger();
  private final Map<String, Gauges> downstream = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> sharedGauges = new ConcurrentHashMap<>();
  private final JvmGcMetrics gc = new JvmGcMetrics();
  // Set once the JVM's memory, thread and processor gauges are bound; see bindJvmGauges.
  private volatile boolean jvmGauges;
  private final RouteMeters routes = new RouteMeters(registry, RouteMeters.DEFAULT_MAX_ROUTES);

  /** Meters only: no tracing, no access log. */
  public ProxyMetrics() {
    this(Tracing.disabled(), AccessLog.disabled());
  }

  public ProxyMetrics(Tracing tracing, AccessLog accessLog) {
    this.tracing = Objects.requireNonNull(tracing, "proxy metrics tracing");
    this.accessLog = Objects.requireNonNull(accessLog, "proxy metrics access log");
    Gauge.builder("nodemesh.config.version", configVersion, AtomicLong::doubleValue)
        .description("Version of the configuration in force, -1 before the first")
        .register(registry);
    Gauge.builder("nodemesh.config.last.reload.timestamp", lastReloadMillis, m -> m.get() / 1000.0)
        .description("Unix time of the last configuration applied, 0 before the first")
        .baseUnit("seconds")
        .register(registry);
    reloads =
        Counter.builder("nodemesh.config.reloads")
            .description("Configurations applied")
            .register(registry);
    reloadFailures =
        Counter.builder("nodemesh.config.reload.failures")
            .description(
                "Configurations rejected (unreadable or not compilable); the old one stays")
            .register(registry);
    upstreamOpened =
        Counter.builder("nodemesh.upstream.connections.opened")
            .description("Upstream connections opened to endpoints")
            .register(registry);
    Gauge.builder("nodemesh.taps.open", taps, Taps::count)
        .description("live request taps open on this proxy (nodemesh tap), 0 when nobody taps")
        .register(registry);
    Gauge.builder("nodemesh.upstream.connections.open", upstreamOpen, AtomicInteger::get)
        .description("Upstream HTTP connections open (in use or pooled)")
        .register(registry);
    // A counter: the number only grows, so rate() and increase() apply (Prometheus naming).
    FunctionCounter.builder("nodemesh.access.log.dropped", accessLog, AccessLog::dropped)
        .description("Access log lines dropped because the writer fell behind")
        .register(registry);
    buildInfo(registry, BuildInfo.current());
    // The GC meters count the JVM's notifications, so they listen from the start.
    gc.bindTo(registry);
  }

  /**
   * Binds the JVM's memory, class, thread and processor gauges (docs/metrics.md) on the first
   * scrape instead of at start: a gauge reads its MXBean only when scraped, so nothing is lost, and
   * the proxy's start to ready, which no scrape precedes, skips building them (issue 15).
   */
  private void bindJvmGauges() {
    if (jvmGauges) {
      return;
    }
    synchronized (this) {
      if (!jvmGauges) {
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        // jvm_classes_*: what the memory work of issue 15 counts, and listed in docs/metrics.md.
        new ClassLoaderMetrics().bindTo(registry);
        jvmGauges = true;
      }
    }
  }

  /**
   * Registers {@code nodemesh_build_info}: always 1, the build in its labels (the Prometheus "info"
   * pattern), so a query can join it or count versions during a rollout.
   */
  private static void buildInfo(MeterRegistry registry, BuildInfo b) {
    Gauge.builder("nodemesh.build.info", () -> 1)
        .description("Version, source revision and Java runtime of this process; always 1")
        .tags("version", b.version(), "revision", b.revision(), "java", b.java())
        .register(registry);
  }

  /** Stops listening to GC notifications (the JVM's listener would outlive this proxy). */
  public void close() {
    gc.close();
  }

  /** The meters of one listener; resolved when a config is compiled, not per request. */
  public ListenerMetrics listener(String namespace, String service, int port) {
    return new ListenerMetrics(this, namespace, service, port);
  }

  /**
   * Starts observing one HTTP request: its span (when tracing is on), its duration and byte counts,
   * and its access log line. Call {@link RequestObservation#end} exactly once.
   *
   * @param listener the listener the request was routed to, or null when none matched
   * @param backend the backend Service chosen, or null when the proxy answers itself
   * @param target the endpoint chosen, or null
   */
  public RequestObservation startRequest(
      ObservedListener listener,
      String backend,
      ObservedEndpoint target,
      HttpRequest request,
      Channel down) {
    return new RequestObservation(this, listener, backend, target, request, down);
  }

  /** Counts a downstream connection (protocol {@code http} or {@code tcp}) until it closes. */
  public void downstreamOpened(Channel ch, String protocol) {
    Gauges g =
        downstream.computeIfAbsent(
            protocol,
            p -> {
              AtomicInteger open = new AtomicInteger();
              Gauge.builder("nodemesh.downstream.connections.open", open, AtomicInteger::get)
                  .description("Client connections open, by protocol")
                  .tag("protocol", p)
                  .register(registry);
              Counter total =
                  Counter.builder("nodemesh.downstream.connections")
                      .description("Client connections accepted, by protocol")
                      .tag("protocol", p)
                      .register(registry);
              return new Gauges(open, total);
            });
    g.total().increment();
    g.open().incrementAndGet();
    ch.closeFuture().addListener(f -> g.open().decrementAndGet());
  }

  /** Counts an upstream HTTP connection being opened, and as open until it closes. */
  public void upstreamOpened(Channel ch) {
    upstreamOpened.increment();
    upstreamOpen.incrementAndGet();
    ch.closeFuture().addListener(f -> upstreamOpen.decrementAndGet());
  }

  /** A configuration was applied. */
  public void configApplied(long version) {
    configVersion.set(version);
    lastReloadMillis.set(System.currentTimeMillis());
    reloads.increment();
  }

  /** A configuration was rejected; the one in force stays. */
  public void configRejected() {
    reloadFailures.increment();
  }

  /** The Prometheus text exposition of every meter. */
  public String scrape() {
    bindJvmGauges();
    return registry.scrape();
  }

  /** The meters of Gateway API route rules, shared by all listeners of this proxy. */
  public RouteMeters routes() {
    return routes;
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  public Tracing tracing() {
    return tracing;
  }

  public AccessLog accessLog() {
    return accessLog;
  }

  /** The live request taps open on this proxy. */
  public Taps taps() {
    return taps;
  }

  /**
   * A gauge's value holder that outlives a config: listeners are recompiled on every config, the
   * gauge must keep pointing at the same number.
   */
  AtomicInteger sharedGauge(String name, String description, Tags tags) {
    return sharedGauges.computeIfAbsent(
        name + tags,
        k -> {
          AtomicInteger v = new AtomicInteger();
          Gauge.builder(name, v, AtomicInteger::get)
              .description(description)
              .tags(tags)
              .register(registry);
          return v;
        });
  }

  private record Gauges(AtomicInteger open, Counter total) {}
}
