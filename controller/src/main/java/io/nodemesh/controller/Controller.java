package io.nodemesh.controller;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.helidon.webserver.WebServer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.nodemesh.config.BuildInfo;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.tunnel.TunnelConfig;
import io.nodemesh.controller.api.ApiSecurity;
import io.nodemesh.controller.api.ApiTls;
import io.nodemesh.controller.api.CertificateApi;
import io.nodemesh.controller.api.ConfigApi;
import io.nodemesh.controller.api.ConfigHub;
import io.nodemesh.controller.api.ExplainApi;
import io.nodemesh.controller.api.ProxyAuth;
import io.nodemesh.controller.api.ProxyTracker;
import io.nodemesh.controller.api.SummaryApi;
import io.nodemesh.controller.api.TapApi;
import io.nodemesh.controller.api.TlsReloader;
import io.nodemesh.controller.api.TrafficApi;
import io.nodemesh.controller.api.UiPage;
import io.nodemesh.controller.api.ViewerAuth;
import io.nodemesh.controller.common.ObjectFailure;
import io.nodemesh.controller.common.Problem;
import io.nodemesh.controller.compile.CompileResult;
import io.nodemesh.controller.compile.CompileSettings;
import io.nodemesh.controller.compile.MeshCompiler;
import io.nodemesh.controller.compile.PortAllocation;
import io.nodemesh.controller.events.ProblemReporter;
import io.nodemesh.controller.gamma.RouteStatusWriter;
import io.nodemesh.controller.identity.CaSecret;
import io.nodemesh.controller.identity.CertificateAuthority;
import io.nodemesh.controller.identity.IdentitySettings;
import io.nodemesh.controller.leader.LeaderGate;
import io.nodemesh.controller.shadow.ShadowServices;
import io.nodemesh.controller.source.ClusterSource;
import io.nodemesh.controller.source.SourceSnapshot;
import io.nodemesh.controller.strict.StrictPolicies;
import io.nodemesh.controller.tap.TapRelay;
import io.nodemesh.controller.tap.TapSigner;
import io.nodemesh.controller.tap.TapTarget;
import io.nodemesh.controller.tap.TapTargets;
import io.nodemesh.controller.topology.Debouncer;
import io.nodemesh.controller.topology.Topology;
import io.nodemesh.controller.topology.TopologyIndexer;
import io.nodemesh.controller.traffic.TrafficWindow;
import io.nodemesh.controller.tunnel.TunnelSettings;
import io.nodemesh.controller.tunnel.TunnelTables;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * One controller replica: reads a {@link ClusterSource}, compiles (debounced) the config every
 * replica serves on its API, and, while it is the leader and has a Kubernetes client, keeps the
 * shadow Services and writes Events.
 */
public final class Controller implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(Controller.class.getName());

  /** Histogram buckets of the controller's timers: 1 ms to 30 s. */
  private static final Duration[] BUCKETS = {
    Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
    Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
    Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10),
    Duration.ofSeconds(30)
  };

  private final ControllerOptions options;
  private final ClusterSource source;
  private final CompileSettings settings;
  // Owned by the compiling thread; routeStatuses() may be read from the leader's writer.
  private final MeshCompiler meshCompiler;
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final ConfigHub hub = new ConfigHub(MeshConfig.empty());
  private final ProblemReporter reporter;
  private final ShadowServices shadows;
  // Leader only, cluster mode only: the NetworkPolicies of strict namespaces (issue 14).
  private final StrictPolicies strict;
  private final Counter strictWrites;
  private volatile List<Problem> strictProblems = List.of();
  // The namespaces and the tunnel part of the config last published, taken together so that the
  // policies never follow one compile's namespaces and another's modes.
  private volatile StrictInput strictInput;
  // Whether the CLI said how the tunnel runs (tunnel(...) or noTunnel()): until then a published
  // config's tunnel part is "off" only because nobody set it, and acting on it would delete every
  // strict namespace's policy for a moment on each start.
  private volatile boolean tunnelKnown;

  private record StrictInput(
      java.util.Collection<Namespace> namespaces, TunnelConfig tunnel, boolean tunnelKnown) {}

  private final Debouncer compiler;
  private final Debouncer writer;
  private final LeaderGate gate;
  private final WebServer server;
  private final TlsReloader tlsReloader;
  private final Timer compileTimer;
  private final Timer topologyTimer;
  private final Timer propagationTimer;
  private final ProxyTracker proxies = new ProxyTracker();
  private final TrafficWindow traffic = new TrafficWindow();
  // When the oldest change not yet in a served config arrived (System.nanoTime), 0 when none.
  private final AtomicLong changePendingSince = new AtomicLong();
  private final Counter sourceEvents;
  private final Counter shadowWrites;
  private final Counter compileFailures;
  // Whole compiles that failed in a row; touched only by the compile thread.
  private int failedCompiles;
  private static final long RETRY_FIRST_MILLIS = 1_000;
  private static final long RETRY_MAX_MILLIS = 30_000;
  private final MultiGauge invalidObjects;
  private final JvmGcMetrics gc = new JvmGcMetrics();

  // Touched only by the compile thread.
  private PortAllocation allocation = PortAllocation.empty();
  private final TopologyIndexer topologies = new TopologyIndexer();
  // Leader only, cluster mode only: the GAMMA routes' status.parents (docs/gateway-api.md).
  private final RouteStatusWriter routeStatus;
  private volatile Topology lastTopology;
  // Issue 14: null until the CLI sets it, then the config carries a tunnel part.
  private volatile TunnelSettings tunnelSettings;
  // The CA's trust domain (its Secret's when --trust-domain is not given), or null without a CA.
  private volatile String caTrustDomain;
  private boolean reseed = true;
  private volatile List<Problem> problems = List.of();
  // The source Services of the latest topology (shadow name collisions go to the older one), and
  // the Services the last reconciliation left without a shadow because another holds its name.
  private volatile Map<String, Service> sourceServices = Map.of();
  private volatile List<Problem> shadowProblems = List.of();
  // Every pod of the latest snapshot, live or not: explain names a pod and then says what its IP
  // is worth. Indexed by name on the first explain after a change, not on every compile (100,000
  // pods would cost a one-object change more than the rest of it, see docs/benchmarks.md).
  private volatile List<Pod> pods = List.of();
  private volatile PodsByName podsByName = new PodsByName(List.of(), Map.of());

  private record PodsByName(List<Pod> pods, Map<String, Pod> byName) {}

  // The proxies a tap asks: by default the proxy pods of the latest snapshot (issue 18).
  private volatile Supplier<List<TapTarget>> tapTargets = this::proxyPods;

  private Controller(
      ControllerOptions options,
      ClusterSource source,
      KubernetesClient client,
      ProxyAuth auth,
      ViewerAuth viewers,
      ApiTls tls,
      IdentitySettings identity) {
    this.options = Objects.requireNonNull(options, "options");
    this.source = Objects.requireNonNull(source, "source");
    this.settings = options.compileSettings();
    this.meshCompiler = new MeshCompiler(settings);
    this.compileTimer =
        Timer.builder("nodemesh.controller.compile.duration")
            .description("time to compile the topology into a config")
            .serviceLevelObjectives(BUCKETS)
            .register(registry);
    this.topologyTimer =
        Timer.builder("nodemesh.controller.topology.duration")
            .description("time to rebuild the topology snapshot from the source")
            .serviceLevelObjectives(BUCKETS)
            .register(registry);
    this.propagationTimer =
        Timer.builder("nodemesh.controller.propagation.duration")
            .description(
                "time from a change in the source to the config that includes it being served")
            .serviceLevelObjectives(BUCKETS)
            .register(registry);
    Gauge.builder("nodemesh.controller.proxies", proxies, ProxyTracker::connected)
        .description("node proxies that polled this replica recently")
        .tag("state", "connected")
        .register(registry);
    Gauge.builder("nodemesh.controller.proxies", proxies, p -> p.behind(hub.current().version()))
        .description("node proxies that polled this replica recently")
        .tag("state", "behind")
        .register(registry);
    this.sourceEvents =
        Counter.builder("nodemesh.controller.informer.events")
            .description("change notifications from the source (informers or files)")
            .register(registry);
    this.shadowWrites =
        Counter.builder("nodemesh.controller.shadow.writes")
            .description("shadow Service creates, updates and deletes by this replica")
            .register(registry);
    this.compileFailures =
        Counter.builder("nodemesh.controller.compile.failures")
            .description(
                "whole compiles that failed (the last good config stays served); one object's"
                    + " failure is a problem, not counted here")
            .register(registry);
    this.invalidObjects =
        MultiGauge.builder("nodemesh.controller.invalid.objects")
            .description("current problems by kind and reason")
            .register(registry);
    Gauge.builder("nodemesh.controller.config.version", hub, h -> h.current().version())
        .description("version of the config being served")
        .register(registry);
    BuildInfo build = BuildInfo.current();
    // The Prometheus "info" pattern: always 1, the build in the labels (docs/metrics.md).
    Gauge.builder("nodemesh.build.info", () -> 1)
        .description("version, source revision and Java runtime of this process; always 1")
        .tags("version", build.version(), "revision", build.revision(), "java", build.java())
        .register(registry);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    gc.bindTo(registry);
    this.compiler =
        new Debouncer("nodemesh-compile", options.debounce(), options.maxDelay(), this::recompile);
    this.writer = new Debouncer("nodemesh-write", Duration.ZERO, Duration.ZERO, this::write);
    this.gate =
        client == null || !options.leaderElection()
            ? LeaderGate.always()
            : LeaderGate.elect(
                client, options.meshNamespace(), options.identity(), this::leadershipChanged);
    Gauge.builder("nodemesh.controller.leader", gate, g -> g.isLeader() ? 1 : 0)
        .description("1 while this replica is the leader")
        .register(registry);
    this.reporter = new ProblemReporter(client, gate::isLeader, options.identity());
    this.routeStatus = client == null ? null : new RouteStatusWriter(client);
    this.shadows =
        client == null
            ? null
            : new ShadowServices(
                client, options.meshNamespace(), options.proxySelector(), compiler::trigger);
    if (shadows != null) {
      Gauge.builder("nodemesh.controller.shadow.services", shadows, ShadowServices::count)
          .description("shadow Services in the mesh namespace")
          .register(registry);
      shadows.start();
    }
    this.strictWrites =
        Counter.builder("nodemesh.controller.strict.policy.writes")
            .description("strict mode NetworkPolicy creates, updates and deletes by this replica")
            .register(registry);
    // Started whatever the mode, so that policies left by an earlier strict setting are removed.
    this.strict =
        client == null
            ? null
            : new StrictPolicies(client, options.watchNamespace(), compiler::trigger);
    if (strict != null) {
      Gauge.builder("nodemesh.controller.strict.policies", strict, StrictPolicies::count)
          .description("NetworkPolicies Nodemesh keeps in strict namespaces")
          .register(registry);
      strict.start();
    }
    source.start(
        () -> {
          sourceEvents.increment();
          changePendingSince.compareAndSet(0, System.nanoTime());
          compiler.trigger();
        });
    WebServer started;
    try {
      CertificateAuthority authority =
          identity == null
              ? null
              : new CertificateAuthority(
                  CaSecret.loadOrCreate(
                      client,
                      options.meshNamespace(),
                      identity.secretName(),
                      identity.trustDomain(),
                      Instant.now()),
                  source.podIndex(),
                  options.meshNamespace(),
                  auth.serviceAccount(),
                  identity,
                  InstantSource.system());
      caTrustDomain = authority == null ? null : authority.trustDomain();
      var web =
          WebServer.builder()
              .host(options.bindHost())
              .port(options.apiPort())
              .routing(
                  r -> {
                    ConfigApi.routing(r, hub, this::problems, registry, proxies, auth, viewers);
                    ExplainApi.routing(r, hub::current, this::pod, viewers, registry);
                    TapApi.routing(
                        r,
                        new TapRelay(
                            tls == null ? null : TapSigner.load(tls.certChain(), tls.key()),
                            () -> tapTargets.get()),
                        viewers,
                        registry);
                    SummaryApi.routing(
                        r,
                        hub::current,
                        options.meshNamespace(),
                        options.proxySelector(),
                        viewers,
                        registry);
                    TrafficApi.routing(r, traffic, hub::current, auth, viewers, registry);
                    UiPage.routing(r);
                    if (authority != null) {
                      CertificateApi.routing(r, auth, authority, registry);
                    }
                  });
      if (tls != null) {
        web.tls(tls.serverTls());
      }
      started = web.build().start();
    } catch (RuntimeException e) {
      // Do not leave informers, threads and a Lease behind when the port is taken.
      shutdown(null);
      throw e;
    }
    this.server = started;
    this.tlsReloader =
        tls == null ? null : new TlsReloader(tls, started::reloadTls, Duration.ofMinutes(1));
    LOG.log(
        Level.INFO,
        "controller "
            + options.identity()
            + (tls == null ? " serving config on " : " serving config over TLS on ")
            + options.bindHost()
            + ":"
            + server.port()
            + " from "
            + source);
  }

  /**
   * Starts a replica.
   *
   * @param client null for local mode: no shadow Services, no Events, no Lease; problems are only
   *     logged and kept
   */
  public static Controller start(
      ControllerOptions options, ClusterSource source, KubernetesClient client) {
    return start(options, source, client, ApiSecurity.open());
  }

  /**
   * Starts a replica whose {@code /api/v1/config} answers only node proxies: requests must carry a
   * ServiceAccount token of {@code proxyServiceAccount} in the mesh namespace, checked by a
   * TokenReview (see {@link ProxyAuth}); explain and problems answer only proxies and users granted
   * them (see {@link ViewerAuth}).
   */
  public static Controller start(
      ControllerOptions options,
      ClusterSource source,
      KubernetesClient client,
      String proxyServiceAccount) {
    return start(options, source, client, new ApiSecurity(proxyServiceAccount, true, null));
  }

  /** Starts a replica whose API is protected as {@code security} says. */
  public static Controller start(
      ControllerOptions options,
      ClusterSource source,
      KubernetesClient client,
      ApiSecurity security) {
    return start(options, source, client, security, null);
  }

  /**
   * As above, and with {@code identity} not null the replica runs the mesh CA ({@link
   * CertificateAuthority}): it loads or creates the CA Secret and serves {@code POST
   * /api/v1/certificates}. That needs proxy authentication and TLS.
   */
  public static Controller start(
      ControllerOptions options,
      ClusterSource source,
      KubernetesClient client,
      ApiSecurity security,
      IdentitySettings identity) {
    if (identity != null && (security.proxyServiceAccount() == null || security.tls() == null)) {
      throw new IllegalArgumentException(
          "the CA needs proxy authentication and TLS on the controller API (--tls-cert)");
    }
    if (client == null && (security.proxyServiceAccount() != null || security.viewers())) {
      throw new IllegalArgumentException(
          "API authentication needs the Kubernetes API (TokenReviews, SubjectAccessReviews)");
    }
    ProxyAuth auth =
        security.proxyServiceAccount() == null
            ? null
            : new ProxyAuth(client, options.meshNamespace(), security.proxyServiceAccount());
    ViewerAuth viewers = security.viewers() ? new ViewerAuth(client, auth) : null;
    return new Controller(options, source, client, auth, viewers, security.tls(), identity);
  }

  /** The port the API server listens on. */
  public int apiPort() {
    return server.port();
  }

  /** The config being served. */
  public MeshConfig currentConfig() {
    return hub.current();
  }

  public boolean isLeader() {
    return gate.isLeader();
  }

  /**
   * The problems of the latest compilation (source problems included) and of the latest shadow
   * Service reconciliation.
   */
  public List<Problem> problems() {
    List<Problem> shadow = shadowProblems;
    List<Problem> strictOnes = strictProblems;
    if (shadow.isEmpty() && strictOnes.isEmpty()) {
      return problems;
    }
    List<Problem> all = new java.util.ArrayList<>(problems);
    all.addAll(shadow);
    all.addAll(strictOnes);
    return List.copyOf(all);
  }

  /**
   * Which proxies a tap asks from now on, instead of the proxy pods the source sees (local mode:
   * the one proxy in this process; tests).
   */
  public void tapTargets(Supplier<List<TapTarget>> targets) {
    this.tapTargets = Objects.requireNonNull(targets, "targets");
  }

  /**
   * Fills the config's tunnel part from now on (issue 14; the chart's {@code mtls.*} values), and
   * compiles again so the proxies hear of it.
   */
  public void tunnel(TunnelSettings settings) {
    Objects.requireNonNull(settings, "tunnel settings");
    String td = caTrustDomain;
    this.tunnelSettings =
        settings.trustDomain() == null && td != null ? settings.withTrustDomain(td) : settings;
    this.tunnelKnown = true;
    compiler.trigger();
  }

  /**
   * Says that this controller runs without the tunnel (no CA): every namespace is {@code off}, and
   * strict mode's NetworkPolicies left from an earlier setting are removed.
   */
  public void noTunnel() {
    this.tunnelSettings = null;
    this.tunnelKnown = true;
    compiler.trigger();
  }

  /** The running proxy pods of the latest snapshot, at their container port named admin. */
  private List<TapTarget> proxyPods() {
    return TapTargets.proxyPods(pods, options.meshNamespace(), options.proxySelector());
  }

  /** A pod of the latest topology by namespace and name (explain), or null. */
  Pod pod(String namespace, String name) {
    List<Pod> current = pods;
    PodsByName index = podsByName;
    if (index.pods() != current) {
      Map<String, Pod> byName = new HashMap<>();
      current.forEach(p -> byName.put(Topology.key(p), p));
      index = new PodsByName(current, byName);
      podsByName = index;
    }
    return index.byName().get(Topology.key(namespace, name));
  }

  /** The metrics registry, for embedding. */
  public PrometheusMeterRegistry registry() {
    return registry;
  }

  private void leadershipChanged() {
    compiler.trigger();
  }

  /**
   * One debounced compile. One object's failure is that object's problem (see {@link
   * ObjectFailure}); this catches what fails the whole compile, {@code Error}s included: it is
   * counted ({@code nodemesh_controller_compile_failures_total}), the last good config stays
   * served, the compile is retried with backoff, and after a few failures in a row {@code /readyz}
   * says so ({@link ConfigHub#isReady}).
   */
  private void recompile() {
    long changedAt = changePendingSince.getAndSet(0);
    try {
      if (!compileOnce(changedAt)) {
        changePendingSince.compareAndSet(0, changedAt);
        return;
      }
    } catch (Throwable t) {
      // The change is still not served.
      changePendingSince.compareAndSet(0, changedAt);
      failedCompiles++;
      compileFailures.increment();
      hub.compiled(false);
      long retryMillis =
          Math.min(RETRY_MAX_MILLIS, RETRY_FIRST_MILLIS << Math.min(failedCompiles - 1, 5));
      LOG.log(
          Level.ERROR,
          "compile failed ("
              + failedCompiles
              + " in a row); still serving config version "
              + hub.current().version()
              + "; retrying in "
              + retryMillis
              + " ms",
          t);
      CompletableFuture.delayedExecutor(retryMillis, TimeUnit.MILLISECONDS)
          .execute(compiler::trigger);
      return;
    }
    if (failedCompiles > 0) {
      LOG.log(Level.INFO, "compile succeeded again after " + failedCompiles + " failures");
    }
    failedCompiles = 0;
    hub.compiled(true);
  }

  /** Compiles and publishes; false when the sources have not synced yet. */
  private boolean compileOnce(long changedAt) {
    if (!source.hasSynced() || (shadows != null && !shadows.hasSynced())) {
      return false;
    }
    Timer.Sample topologySample = Timer.start(registry);
    SourceSnapshot snapshot = source.snapshot();
    Topology topology = topologies.next(snapshot, source.problems());
    topologySample.stop(topologyTimer);
    Timer.Sample sample = Timer.start(registry);
    pods = snapshot.pods();
    sourceServices = topology.services();
    lastTopology = topology;
    PortAllocation base = allocation;
    if (shadows != null && (reseed || !gate.isLeader())) {
      // The shadow Services are the durable record of the allocation: a restarted or newly elected
      // leader starts from them, and followers follow what the leader wrote.
      base = allocation.overlay(shadows.seed());
      reseed = !gate.isLeader();
    }
    MeshConfig previous = hub.current().version() == 0 ? null : hub.current();
    CompileResult result =
        meshCompiler.compile(topology, base, previous, System.currentTimeMillis());
    // Read before the settings: tunnel() and noTunnel() write the settings first.
    boolean known = tunnelKnown;
    TunnelSettings tunnelSettings = this.tunnelSettings;
    if (tunnelSettings != null) {
      List<Problem> all = new java.util.ArrayList<>(result.problems());
      TunnelConfig tunnel =
          TunnelTables.tables(
              tunnelSettings, topology.namespaces(), topology.podsByIp(), snapshot.pods(), all);
      result =
          new CompileResult(
              TunnelTables.attach(result.config(), tunnel, previous, System.currentTimeMillis()),
              List.copyOf(all),
              result.allocation());
    }
    sample.stop(compileTimer);
    allocation = result.allocation();
    problems = result.problems();
    updateInvalid(result.problems());
    if (previous == null || result.config().version() != previous.version()) {
      LOG.log(
          Level.INFO,
          "config version "
              + result.config().version()
              + ": "
              + result.config().listeners().size()
              + " listeners, "
              + result.problems().size()
              + " problems");
    }
    hub.publish(result.config(), true);
    strictInput = new StrictInput(topology.namespaces().values(), result.config().tunnel(), known);
    if (changedAt != 0) {
      propagationTimer.record(System.nanoTime() - changedAt, TimeUnit.NANOSECONDS);
    }
    writer.trigger();
    return true;
  }

  private void updateInvalid(List<Problem> list) {
    Map<Tags, Long> counts =
        list.stream()
            .collect(
                Collectors.groupingBy(
                    p -> Tags.of("kind", p.kind(), "reason", p.reason().eventReason()),
                    Collectors.counting()));
    invalidObjects.register(
        counts.entrySet().stream().map(e -> MultiGauge.Row.of(e.getKey(), e.getValue())).toList(),
        true);
  }

  private void write() {
    if (shadows != null && gate.isLeader()) {
      var outcome = shadows.reconcile(hub.current(), sourceServices);
      shadowProblems = outcome.problems();
      shadowWrites.increment(outcome.writes());
      if (outcome.failed() > 0) {
        // Retry later rather than at once: a failing API server should not be hammered.
        CompletableFuture.delayedExecutor(2, TimeUnit.SECONDS).execute(compiler::trigger);
      }
    }
    writeStrictPolicies();
    reporter.report(problems());
    Topology t = lastTopology;
    if (routeStatus != null && gate.isLeader() && t != null) {
      routeStatus.write(t, meshCompiler.routeStatuses());
    }
  }

  /** The NetworkPolicies of strict namespaces, from the served config's modes (leader only). */
  private void writeStrictPolicies() {
    StrictInput in = strictInput;
    if (strict == null
        || in == null
        || !in.tunnelKnown()
        || !gate.isLeader()
        || !strict.hasSynced()) {
      return;
    }
    List<Problem> found = new java.util.ArrayList<>();
    var want =
        StrictPolicies.desired(
            in.tunnel(),
            in.namespaces(),
            ns ->
                MeshCompiler.meshedNamespace(
                    ns.getMetadata().getName(), ns, options.meshNamespace()),
            options.meshNamespace(),
            options.proxySelector(),
            found);
    var outcome = strict.reconcile(want);
    found.addAll(outcome.problems());
    strictProblems = List.copyOf(found);
    strictWrites.increment(outcome.writes());
    if (outcome.failed() > 0) {
      CompletableFuture.delayedExecutor(2, TimeUnit.SECONDS).execute(compiler::trigger);
    }
  }

  @Override
  public void close() {
    if (tlsReloader != null) {
      tlsReloader.close();
    }
    shutdown(server);
  }

  private void shutdown(WebServer webServer) {
    if (webServer != null) {
      webServer.stop();
    }
    compiler.close();
    writer.close();
    gate.close();
    if (shadows != null) {
      shadows.close();
    }
    if (strict != null) {
      strict.close();
    }
    source.close();
    gc.close();
    registry.close();
  }
}
