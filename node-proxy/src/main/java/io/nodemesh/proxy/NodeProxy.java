package io.nodemesh.proxy;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.proxy.accept.HttpProxyInitializer;
import io.nodemesh.proxy.accesslog.AccessLog;
import io.nodemesh.proxy.admin.AdminServer;
import io.nodemesh.proxy.admin.AdminView;
import io.nodemesh.proxy.admin.LateView;
import io.nodemesh.proxy.balance.ResilienceRegistry;
import io.nodemesh.proxy.config.ConfigClient;
import io.nodemesh.proxy.config.ControllerTrust;
import io.nodemesh.proxy.identity.CertificateClient;
import io.nodemesh.proxy.identity.CertificateStore;
import io.nodemesh.proxy.identity.NodeAccounts;
import io.nodemesh.proxy.identity.WorkloadIdentities;
import io.nodemesh.proxy.limits.LimitSettings;
import io.nodemesh.proxy.limits.Limits;
import io.nodemesh.proxy.listener.CompiledListener;
import io.nodemesh.proxy.listener.ListenerManager;
import io.nodemesh.proxy.listener.RoutingState;
import io.nodemesh.proxy.listener.RoutingTable;
import io.nodemesh.proxy.listener.SelfEndpoints;
import io.nodemesh.proxy.metrics.ProxyMetrics;
import io.nodemesh.proxy.recheck.ConfigApplied;
import io.nodemesh.proxy.recheck.Revocations;
import io.nodemesh.proxy.report.TrafficReporter;
import io.nodemesh.proxy.routing.EntryRouter;
import io.nodemesh.proxy.routing.ListenerRouter;
import io.nodemesh.proxy.tap.TapGrants;
import io.nodemesh.proxy.tcp.TcpConnectionCap;
import io.nodemesh.proxy.tcp.TcpProxyInitializer;
import io.nodemesh.proxy.tracing.Tracing;
import io.nodemesh.proxy.transport.Transport;
import io.nodemesh.proxy.tunnel.TunnelCredentials;
import io.nodemesh.proxy.tunnel.TunnelSettings;
import io.nodemesh.proxy.tunnel.Tunnels;
import io.nodemesh.proxy.udp.UdpProxyHandler;
import io.nodemesh.proxy.udp.UdpSettings;
import io.nodemesh.proxy.upstream.HttpProxyContext;
import io.nodemesh.proxy.upstream.HttpProxySettings;
import io.nodemesh.proxy.upstream.UpstreamRelay;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * One node's data plane: service listeners and the entry port on a Netty event loop group, the
 * admin server, and (with a controller) the config client.
 */
public final class NodeProxy implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(NodeProxy.class.getName());

  /** How long the controller may hold one long-poll. */
  static final Duration POLL_WAIT = Duration.ofSeconds(30);

  private final ProxyOptions options;
  private final HttpProxySettings settings;
  private final Transport transport;
  private final ProxyMetrics metrics;
  // The table in force and the state that outlives it (breakers, ejections, in-flight counts).
  private final RoutingState routing;
  // The table whose listeners are all bound: what readiness, /config and appliedVersion report.
  private volatile RoutingTable served = RoutingTable.empty();
  private final HttpProxyContext context;
  private final ListenerManager listeners;
  private final SelfEndpoints self;
  private final Revocations revocations;
  private final TcpConnectionCap tcpCap;
  private final Object applyLock = new Object();
  private final AtomicBoolean closed = new AtomicBoolean();
  private Channel entry;
  private volatile AdminServer admin;
  private ConfigClient client;
  private TrafficReporter reporter;
  // Checks the controller's tap grants: present only with a pinned CA for an https controller.
  private final TapGrants tapGrants;
  private volatile CertificateStore identities;
  private volatile Tunnels tunnels;

  private NodeProxy(
      ProxyOptions options, HttpProxySettings settings, LimitSettings limits, UdpSettings udp) {
    this.options = options;
    this.settings = settings;
    this.routing = new RoutingState(new ResilienceRegistry(options.nodeName()));
    this.metrics = observability(options);
    this.tapGrants =
        options.controllerCa() == null || options.controller() == null
            ? null
            : TapGrants.load(options.controllerCa(), options.controller().getHost());
    this.transport = Transport.create(options.eventLoopThreads());
    this.context =
        new HttpProxyContext(transport, metrics, settings, new Limits(limits, metrics.registry()));
    this.self = new SelfEndpoints(options.bindHost(), metrics.registry());
    this.revocations = new Revocations(metrics.registry());
    this.tcpCap =
        new TcpConnectionCap(
            limits.maxConnectionsPerListener(), context.limits().rejections(), routing::current);
    this.listeners =
        new ListenerManager(
            transport,
            options.bindHost(),
            port ->
                new HttpProxyInitializer(
                    context,
                    () -> new ListenerRouter(port, routing::current),
                    () -> idleMillis(port)),
            port ->
                new TcpProxyInitializer(
                    transport,
                    settings.connectTimeout(),
                    port,
                    routing::current,
                    tcpCap,
                    this::tunnelClient),
            port -> new UdpProxyHandler(transport, udp, port, routing::current));
  }

  /**
   * The meters, plus the tracer and access log the options ask for.
   *
   * @throws IllegalStateException when the access log file cannot be opened or the tracing settings
   *     cannot be used
   */
  private static ProxyMetrics observability(ProxyOptions options) {
    AccessLog log;
    try {
      log =
          options.accessLog() == null ? AccessLog.disabled() : AccessLog.open(options.accessLog());
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
    try {
      return new ProxyMetrics(Tracing.create(options.tracing()), log);
    } catch (IllegalArgumentException e) {
      log.close();
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  /** Starts with the default HTTP limits. */
  public static NodeProxy start(ProxyOptions options) {
    return start(options, HttpProxySettings.defaults());
  }

  /**
   * Binds the admin port (and the entry port) and starts the config client when a controller is
   * set; the admin server starts concurrently with the rest.
   *
   * @throws IllegalStateException when the admin or entry port cannot be bound
   */
  public static NodeProxy start(ProxyOptions options, HttpProxySettings settings) {
    return start(options, settings, POLL_WAIT);
  }

  /** As {@link #start(ProxyOptions, HttpProxySettings)}, with connection and request limits. */
  public static NodeProxy start(
      ProxyOptions options, HttpProxySettings settings, LimitSettings limits) {
    return start(options, settings, limits, UdpSettings.defaults(), POLL_WAIT);
  }

  static NodeProxy start(ProxyOptions options, HttpProxySettings settings, Duration pollWait) {
    return start(options, settings, UdpSettings.defaults(), pollWait);
  }

  /** As {@link #start(ProxyOptions, HttpProxySettings)}, with UDP limits (tests: short idle). */
  static NodeProxy start(
      ProxyOptions options, HttpProxySettings settings, UdpSettings udp, Duration pollWait) {
    return start(options, settings, LimitSettings.defaults(), udp, pollWait);
  }

  static NodeProxy start(
      ProxyOptions options,
      HttpProxySettings settings,
      LimitSettings limits,
      UdpSettings udp,
      Duration pollWait) {
    Objects.requireNonNull(options, "proxy options");
    Objects.requireNonNull(settings, "proxy settings");
    Objects.requireNonNull(limits, "limit settings");
    Objects.requireNonNull(udp, "udp settings");
    LOG.log(
        Level.INFO,
        "node proxy starting (node {0}, bind {1})",
        options.nodeName() == null ? "unnamed" : options.nodeName(),
        options.bindHost());
    // The admin server comes up on its own thread while this one builds the meters and event
    // loops, binds the entry port and starts the config client, which fetches and applies the
    // first config: the parts are independent, readiness needs all of them, and until the proxy
    // exists the admin server says "not ready" (issue 7).
    LateView view = new LateView();
    FutureTask<AdminServer> adminStart =
        new FutureTask<>(() -> AdminServer.start(options.bindHost(), options.adminPort(), view));
    Thread.ofPlatform().name("nodemesh-admin-start").start(adminStart);
    NodeProxy p;
    try {
      p = new NodeProxy(options, settings, limits, udp);
    } catch (RuntimeException e) {
      stopWhenStarted(adminStart);
      throw e;
    }
    view.bind(p.adminView());
    RuntimeException failure = null;
    try {
      if (options.entryPort() >= 0) {
        p.entry =
            p.listeners.bind(
                options.entryPort(),
                new HttpProxyInitializer(p.context, () -> new EntryRouter(p.routing::current)));
        LOG.log(
            Level.INFO, "entry port bound on {0}:{1,number,#}", options.bindHost(), p.entryPort());
      }
      if (options.controller() != null) {
        p.client =
            ConfigClient.builder(options.controller(), p::apply)
                .wait(pollWait)
                .currentVersion(p::appliedVersion)
                .unreadable(p.metrics::configRejected)
                .node(options.nodeName())
                .tokenFile(options.tokenFile())
                .tls(
                    options.controllerCa() == null
                        ? null
                        : ControllerTrust.pinned(options.controllerCa()))
                .build();
        p.client.start();
        // Issue 18: the controller's page aggregates these instead of scraping every proxy.
        p.reporter =
            new TrafficReporter(
                options.controller(),
                options.nodeName() != null
                    ? options.nodeName()
                    : Objects.requireNonNullElse(System.getenv("HOSTNAME"), "unnamed"),
                options.tokenFile(),
                options.controllerCa() == null
                    ? null
                    : ControllerTrust.pinned(options.controllerCa()),
                p.metrics.registry(),
                p::appliedVersion,
                TrafficReporter.INTERVAL);
        p.reporter.start();
      }
    } catch (RuntimeException e) {
      failure = e;
    }
    try {
      p.admin = awaitUninterruptibly(adminStart);
      LOG.log(Level.INFO, "admin server on {0}:{1,number,#}", options.bindHost(), p.adminPort());
    } catch (ExecutionException e) {
      if (failure == null) {
        failure =
            e.getCause() instanceof RuntimeException r
                ? r
                : new IllegalStateException(e.getCause().getMessage(), e.getCause());
      }
    }
    if (failure != null) {
      p.close();
      throw failure instanceof IllegalStateException
          ? failure
          : new IllegalStateException(failure.getMessage(), failure);
    }
    return p;
  }

  /** Stops the admin server once its start has ended, when the proxy behind it failed to start. */
  private static void stopWhenStarted(FutureTask<AdminServer> adminStart) {
    try {
      awaitUninterruptibly(adminStart).stop();
    } catch (ExecutionException e) {
      // It did not start either; the proxy's own failure is the one to report.
      LOG.log(Level.DEBUG, "admin server did not start: {0}", e.getCause().getMessage());
    }
  }

  /**
   * The started admin server, waiting through interrupts (kept for the caller) so that a server
   * that comes up late is never left running unowned.
   */
  private static AdminServer awaitUninterruptibly(FutureTask<AdminServer> task)
      throws ExecutionException {
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return task.get();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Makes {@code config} the one in force in two steps: a pure compile of what changed since the
   * table in force (unchanged listeners keep their compiled form, see {@link
   * RoutingTable#compile(MeshConfig, ProxyMetrics, RoutingState, RoutingTable)}), then the commit
   * ({@link RoutingState#commit}), which carries the breaker, ejection and in-flight state of
   * unchanged endpoints over, drops the rest and swaps the table with one reference write. Then
   * binds new listeners and unbinds removed ones (their open connections finish on their own). A
   * port that fails to bind is logged and the rest still applies. Idempotent and thread-safe; must
   * not be called on an event loop (it waits for binds).
   *
   * @throws IllegalArgumentException when the config cannot be compiled; the old one stays, and the
   *     state in force is untouched
   */
  public void apply(MeshConfig received) {
    Objects.requireNonNull(received, "config");
    synchronized (applyLock) {
      if (closed.get()) {
        return;
      }
      MeshConfig config = self.strip(received, ownPort(entry, options.entryPort()), adminPortNow());
      RoutingTable next;
      try {
        next = RoutingTable.compile(config, metrics, routing, routing.current());
      } catch (RuntimeException e) {
        metrics.configRejected();
        throw e;
      }
      routing.commit(next);
      Tunnels t = tunnels;
      if (t != null) {
        t.apply(config);
      }
      metrics.configApplied(config.version());
      listeners.sync(config);
      if (next.aclMode()) {
        // Grants checked under an older table are checked again: tunnels, TCP relays, and the
        // connections of removed listeners (recheck).
        listeners.announce(new ConfigApplied(next, revocations));
      }
      // Reported only now: a proxy must not say ready (or "applied") while a new listener's port
      // is still unbound.
      served = next;
      CertificateStore ids = identities;
      if (ids != null) {
        ids.want(NodeAccounts.of(config, options.nodeName()));
      }
    }
  }

  /**
   * Starts holding workload certificates (issue 14): for the ServiceAccounts each applied config
   * says have pods on this node, asked of the controller's CA with the token in {@code caTokenFile}
   * (audience {@code nodemesh-ca}), renewed at half life.
   *
   * @throws IllegalStateException when the controller is not reached over pinned TLS
   */
  public WorkloadIdentities startIdentities(Path caTokenFile) {
    return startIdentities(caTokenFile, InstantSource.system());
  }

  /**
   * As {@link #startIdentities(Path)}, on {@code clock}: when certificates are renewed and dropped.
   * Only tests pass another clock than the system's, to move time for expiry and rotation (the
   * netns bed's proxy processes).
   */
  public synchronized WorkloadIdentities startIdentities(Path caTokenFile, InstantSource clock) {
    if (identities != null) {
      return identities;
    }
    if (options.controller() == null
        || !"https".equals(options.controller().getScheme())
        || options.controllerCa() == null) {
      throw new IllegalStateException(
          "certificates are asked for only over TLS: --ca-token-file needs an https://"
              + " --controller and --controller-ca");
    }
    CertificateStore store =
        new CertificateStore(
            new CertificateClient(
                options.controller(), caTokenFile, ControllerTrust.pinned(options.controllerCa())),
            clock);
    store.bindTo(metrics.registry());
    store.want(NodeAccounts.of(served.config(), options.nodeName()));
    store.start(Duration.ofSeconds(5));
    identities = store;
    return store;
  }

  /** The workload certificates, once {@link #startIdentities} ran. */
  public Optional<WorkloadIdentities> identities() {
    return Optional.ofNullable(identities);
  }

  /**
   * Starts the node-to-node tunnel (issue 14): binds its port and makes HTTP exchanges to pods on
   * other nodes ride it, as the config's mTLS modes say. Call before the first config or apply one
   * again after.
   *
   * @throws IllegalStateException when the port cannot be bound or the node has no name
   */
  public int startTunnel(TunnelSettings settings, TunnelCredentials credentials, Clock clock) {
    synchronized (applyLock) {
      Tunnels t =
          Tunnels.start(
              transport,
              options.bindHost(),
              options.nodeName(),
              settings,
              credentials,
              metrics.registry(),
              clock);
      MeshConfig current = routing.current().config();
      t.apply(current == null ? MeshConfig.empty() : current);
      tunnels = t;
      context.relay(t.client());
      return t.port();
    }
  }

  /** The caller side of the tunnel, once {@link #startTunnel} ran; for TCP relays. */
  private UpstreamRelay tunnelClient() {
    Tunnels t = tunnels;
    return t == null ? null : t.client();
  }

  /** A port of this proxy: the bound one, else the configured one (0: ephemeral, not known yet). */
  private static int ownPort(Channel ch, int configured) {
    return ch != null && ch.localAddress() instanceof InetSocketAddress a
        ? a.getPort()
        : configured;
  }

  private int adminPortNow() {
    AdminServer a = admin;
    return a != null ? a.port() : options.adminPort();
  }

  /** The Service's own idle timeout for client connections on its port; 0 when it has none. */
  private long idleMillis(int proxyPort) {
    CompiledListener l = routing.current().byProxyPort(proxyPort);
    return l == null ? 0 : l.config().policy().timeouts().idleMillis();
  }

  /** The version in force, -1 before the first config. */
  public long appliedVersion() {
    return served.version();
  }

  /** The bound admin port. */
  public int adminPort() {
    return admin.port();
  }

  /** The bound entry port, or -1 when there is none. */
  public int entryPort() {
    return entry == null ? -1 : ((InetSocketAddress) entry.localAddress()).getPort();
  }

  /** The config in force, or null before the first. */
  public MeshConfig config() {
    return served.config();
  }

  /** The routing table in force (tests: which compiled listeners an apply kept). */
  RoutingTable routingTable() {
    return routing.current();
  }

  EventLoopGroup eventLoops() {
    return transport.group();
  }

  int inFlight() {
    return context.inFlight();
  }

  /** Open connections ended by new configs (ACL mode). */
  Revocations revocations() {
    return revocations;
  }

  /** The live request taps open (tests). */
  io.nodemesh.proxy.tap.Taps taps() {
    return metrics.taps();
  }

  /** The TCP listeners' connection cap. */
  TcpConnectionCap tcpConnectionCap() {
    return tcpCap;
  }

  /** Connection and request limits in force, and the count of what they refused. */
  public Limits limits() {
    return context.limits();
  }

  private AdminView adminView() {
    return new AdminView() {
      @Override
      public MeshConfig config() {
        return served.config();
      }

      @Override
      public boolean isBound(int proxyPort) {
        return listeners.isBound(proxyPort);
      }

      @Override
      public String scrape() {
        return metrics.scrape();
      }

      @Override
      public io.nodemesh.proxy.tap.Taps taps() {
        return metrics.taps();
      }

      @Override
      public TapGrants tapGrants() {
        return tapGrants;
      }
    };
  }

  /**
   * Stops the way a Kubernetes pod should: keeps accepting for {@code drainDelay} while every HTTP
   * response carries {@code Connection: close} (idle keep-alive connections close, HTTP/2 peers get
   * GOAWAY), then {@link #close()}. Kubernetes signals the pod while kube-proxy on its node may
   * still send it new connections for a few seconds (the endpoint change travels through the API
   * server to every node); refusing them at once would reset callers that did nothing wrong. See
   * "Pod termination" in the Kubernetes docs (concepts/workloads/pods/pod-lifecycle).
   *
   * @param drainDelay how long to keep accepting; zero or negative closes at once
   */
  public void close(Duration drainDelay) {
    Objects.requireNonNull(drainDelay, "drainDelay");
    if (drainDelay.isPositive() && !closed.get()) {
      LOG.log(
          Level.INFO,
          "stopping: still accepting for {0} ms, answering with Connection: close",
          drainDelay.toMillis());
      context.limits().drain();
      long deadline = System.nanoTime() + drainDelay.toNanos();
      long left;
      while ((left = deadline - System.nanoTime()) > 0 && !Thread.currentThread().isInterrupted()) {
        LockSupport.parkNanos(left);
      }
    }
    close();
  }

  /**
   * Drains gracefully, then stops: stops accepting on every port, closes idle HTTP keep-alive
   * connections, lets in-flight requests finish within the drain timeout (their responses carry
   * {@code Connection: close} and their connections close after them), then closes whatever is left
   * and the admin server. Admin stays up until the end, so probes see the drain.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    synchronized (applyLock) {
      if (client != null) {
        client.close();
      }
      if (reporter != null) {
        reporter.close();
      }
      if (identities != null) {
        identities.close();
      }
      if (entry != null) {
        entry.close().awaitUninterruptibly();
      }
      listeners.closeAll();
      if (tunnels != null) {
        tunnels.close();
      }
      context.limits().drain();
      long deadline = System.nanoTime() + settings.drainTimeout().toNanos();
      while ((context.inFlight() > 0 || context.limits().openConnections() > 0)
          && System.nanoTime() < deadline) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
      }
      transport.shutdown();
      if (admin != null) {
        admin.stop();
      }
      metrics.tracing().close();
      metrics.accessLog().close();
      metrics.close();
    }
  }
}
