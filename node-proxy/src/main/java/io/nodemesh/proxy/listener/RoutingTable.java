package io.nodemesh.proxy.listener;

import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.Protocol;
import io.nodemesh.config.access.AccessPolicy;
import io.nodemesh.proxy.acl.AccessGuard;
import io.nodemesh.proxy.balance.CompiledRoute;
import io.nodemesh.proxy.balance.ResilienceRegistry;
import io.nodemesh.proxy.metrics.ListenerMetrics;
import io.nodemesh.proxy.metrics.ProxyMetrics;
import io.nodemesh.proxy.route.RouteRules;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Everything a request needs to be routed, compiled from one {@link MeshConfig}: an immutable
 * value. {@link #compile} is a pure function of the config, the {@link RoutingState} it reads
 * (never writes) and the table in force, whose unchanged compiled listeners it reuses. What the
 * compile would change in the state (new endpoint states, replaced breakers, what the config no
 * longer names) travels with the table as {@link Pending} until {@link RoutingState#commit} applies
 * it and publishes the table; a table that is never committed changes nothing.
 */
public final class RoutingTable {
  private static final AtomicLong SERIALS = new AtomicLong();
  private static final RoutingTable EMPTY =
      new RoutingTable(null, null, null, null, Map.of(), Map.of(), Map.of(), Map.of());

  private final long serial = SERIALS.getAndIncrement();
  private final MeshConfig config;
  // What the listeners were compiled against: a later compile reuses them only with the same.
  private final ProxyMetrics metrics;
  private final AccessPolicy access;
  private final Pending pending;
  private final Map<Integer, CompiledListener> byProxyPort;
  private final Map<String, TreeMap<Integer, CompiledListener>> byHost;
  private final Map<Integer, CompiledListener> tcpByProxyPort;
  private final Map<Integer, CompiledListener> udpByProxyPort;

  private RoutingTable(
      MeshConfig config,
      ProxyMetrics metrics,
      AccessPolicy access,
      Pending pending,
      Map<Integer, CompiledListener> byProxyPort,
      Map<String, TreeMap<Integer, CompiledListener>> byHost,
      Map<Integer, CompiledListener> tcpByProxyPort,
      Map<Integer, CompiledListener> udpByProxyPort) {
    this.config = config;
    this.metrics = metrics;
    this.access = access;
    this.pending = pending;
    this.byProxyPort = byProxyPort;
    this.byHost = byHost;
    this.tcpByProxyPort = tcpByProxyPort;
    this.udpByProxyPort = udpByProxyPort;
  }

  /**
   * What committing a table does to its {@link RoutingState}, computed by its compile.
   *
   * @param state the state it was compiled against (and may only be committed to)
   * @param changes the state objects its compile created, replaced or removed
   * @param base the serial of the table it reused listeners from; -1 when it compiled all of them
   * @param fresh the listeners it compiled
   * @param dropped the base table's listeners it does not carry over
   */
  record Pending(
      RoutingState state,
      ResilienceRegistry.Changes changes,
      long base,
      List<ListenerConfig> fresh,
      List<ListenerConfig> dropped) {
    Pending {
      fresh = List.copyOf(fresh);
      dropped = List.copyOf(dropped);
    }
  }

  /** The table before any configuration: version -1, nothing routable. */
  public static RoutingTable empty() {
    return EMPTY;
  }

  /**
   * Compiles and commits the HTTP, TCP and UDP listeners of a config with state of their own
   * (tests, tools). TCP and UDP listeners are only reachable by proxy port ({@link
   * #tcpByProxyPort}, {@link #udpByProxyPort}), never by host.
   *
   * @throws IllegalArgumentException naming the listener when a part cannot be compiled
   */
  public static RoutingTable compile(MeshConfig config, ProxyMetrics metrics) {
    return compile(config, metrics, new ResilienceRegistry(null));
  }

  /**
   * Compiles every listener and commits the table at once, with balancing and resilience state
   * taken from (and kept in) {@code registry}, which is then pruned to what this config names.
   */
  public static RoutingTable compile(
      MeshConfig config, ProxyMetrics metrics, ResilienceRegistry registry) {
    RoutingState state = new RoutingState(registry);
    RoutingTable table = compile(config, metrics, state, null);
    state.commit(table);
    return table;
  }

  /**
   * Compiles only what changed since {@code previous}, without changing anything: a listener whose
   * config is the same (the same object, as a delta leaves it, or an equal one) keeps its compiled
   * listener, with its meters and balancing state, when {@code previous} was compiled with the same
   * metrics and state. When the access part of the config changed, such a listener keeps its
   * compiled route and meters and only gets a new access guard. The rest compiles against a draft
   * of the state's registry, so the result routes as a from-scratch compile would once {@link
   * RoutingState#commit committed}.
   *
   * @param previous the table in force, or null to compile everything
   */
  public static RoutingTable compile(
      MeshConfig config, ProxyMetrics metrics, RoutingState state, RoutingTable previous) {
    Map<Integer, CompiledListener> byPort = new HashMap<>();
    Map<String, TreeMap<Integer, CompiledListener>> byHost = new HashMap<>();
    Map<Integer, CompiledListener> tcpByPort = new HashMap<>();
    Map<Integer, CompiledListener> udpByPort = new HashMap<>();
    boolean reusable =
        previous != null
            && previous.config != null
            && previous.metrics == metrics
            && previous.pending.state() == state;
    boolean sameAccess = reusable && sameAccess(previous.config, config);
    AccessPolicy access;
    if (sameAccess) {
      access = previous.access;
    } else {
      try {
        access = AccessPolicy.compile(config.access());
      } catch (RuntimeException e) {
        throw new IllegalArgumentException(
            "config " + config.version() + ": access: " + e.getMessage(), e);
      }
    }
    ResilienceRegistry draft = state.registry().draft();
    Set<CompiledListener> carried = Collections.newSetFromMap(new IdentityHashMap<>());
    List<ListenerConfig> fresh = new ArrayList<>();
    for (ListenerConfig l : config.listeners()) {
      if (l.protocol() != Protocol.HTTP
          && l.protocol() != Protocol.TCP
          && l.protocol() != Protocol.UDP
          && l.protocol() != Protocol.AUTO) {
        continue;
      }
      CompiledListener compiled = reusable ? previous.unchanged(l) : null;
      if (compiled == null) {
        compiled = compileListener(config, l, metrics, draft, access);
        fresh.add(l);
      } else {
        carried.add(compiled);
        if (!sameAccess) {
          // Only the guard reads the access part: route, balancing state and meters stay.
          compiled =
              new CompiledListener(
                  compiled.config(),
                  compiled.route(),
                  compiled.metrics(),
                  AccessGuard.of(access, l, metrics.registry()),
                  compiled.rules());
        }
      }
      if (l.protocol() == Protocol.TCP) {
        tcpByPort.put(l.proxyPort(), compiled);
        continue;
      }
      if (l.protocol() == Protocol.AUTO) {
        // Served by both pipelines: the first bytes of each connection choose (ProtocolSniffer).
        tcpByPort.put(l.proxyPort(), compiled);
      }
      if (l.protocol() == Protocol.UDP) {
        udpByPort.put(l.proxyPort(), compiled);
        continue;
      }
      byPort.put(l.proxyPort(), compiled);
      String host = (l.service() + "." + l.namespace()).toLowerCase(Locale.ROOT);
      byHost.computeIfAbsent(host, h -> new TreeMap<>()).put(l.port(), compiled);
    }
    Pending pending =
        reusable
            ? new Pending(state, draft.changes(), previous.serial, fresh, previous.dropped(carried))
            : new Pending(state, draft.changes(), -1, fresh, List.of());
    return new RoutingTable(
        config,
        metrics,
        access,
        pending,
        frozen(byPort),
        frozen(byHost),
        frozen(tcpByPort),
        frozen(udpByPort));
  }

  /** What committing this table does, null for {@link #empty()}. */
  Pending pending() {
    return pending;
  }

  /** Tells tables apart: a commit counts incrementally only from the table in force. */
  long serial() {
    return serial;
  }

  /** This table's listeners that a new one does not carry over. */
  private List<ListenerConfig> dropped(Set<CompiledListener> carried) {
    List<ListenerConfig> out = new ArrayList<>();
    for (Map<Integer, CompiledListener> m : List.of(byProxyPort, tcpByProxyPort, udpByProxyPort)) {
      for (CompiledListener c : m.values()) {
        if (!carried.contains(c)) {
          out.add(c.config());
        }
      }
    }
    return out;
  }

  private static CompiledListener compileListener(
      MeshConfig config,
      ListenerConfig l,
      ProxyMetrics metrics,
      ResilienceRegistry registry,
      AccessPolicy access) {
    try {
      ListenerMetrics meters = metrics.listener(l.namespace(), l.service(), l.port());
      return new CompiledListener(
          l,
          new CompiledRoute(l, registry, meters),
          meters,
          AccessGuard.of(access, l, metrics.registry()),
          RouteRules.compile(l, registry, meters, metrics.routes()));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "config " + config.version() + ": listener " + l.key() + ": " + e.getMessage(), e);
    }
  }

  /** Every listener's access guard is compiled from this part, so a change renews them all. */
  private static boolean sameAccess(MeshConfig before, MeshConfig after) {
    return before.access() == after.access() || Objects.equals(before.access(), after.access());
  }

  /** This table's compiled listener for {@code l} when it was compiled from an equal config. */
  private CompiledListener unchanged(ListenerConfig l) {
    Map<Integer, CompiledListener> ports =
        switch (l.protocol()) {
          case TCP -> tcpByProxyPort;
          case UDP -> udpByProxyPort;
          default -> byProxyPort;
        };
    CompiledListener c = ports.get(l.proxyPort());
    return c != null && (c.config() == l || c.config().equals(l)) ? c : null;
  }

  /**
   * Read-only views of HashMaps rather than Map.copyOf: proxy ports are allocated in dense runs,
   * and the linear probing of the immutable maps turns dense integer keys into probe chains whose
   * length depends on the JVM's random salt (docs/benchmarks.md).
   */
  private static <K, V> Map<K, V> frozen(Map<K, V> m) {
    return Collections.unmodifiableMap(new HashMap<>(m));
  }

  /** The config this table was compiled from, or null before the first one. */
  public MeshConfig config() {
    return config;
  }

  /** The version in force, -1 before the first config. */
  public long version() {
    return config == null ? -1 : config.version();
  }

  /** Whether ACL mode is on: then open connections are checked again against this table. */
  public boolean aclMode() {
    return access != null && access.enabled();
  }

  /** The HTTP listener served on a proxy port, or null. */
  public CompiledListener byProxyPort(int proxyPort) {
    return byProxyPort.get(proxyPort);
  }

  /** The TCP listener served on a proxy port, or null. */
  public CompiledListener tcpByProxyPort(int proxyPort) {
    return tcpByProxyPort.get(proxyPort);
  }

  /** The UDP listener served on a proxy port, or null. */
  public CompiledListener udpByProxyPort(int proxyPort) {
    return udpByProxyPort.get(proxyPort);
  }

  /**
   * Resolves an entry-port host: {@code name.namespace.<meshDomain>} with an optional port,
   * case-insensitive, trailing dot ignored. Without a port: port 80 if the service has it, else its
   * only HTTP port.
   *
   * @param host the {@code Host} header (or the absolute URI's authority); may be null
   */
  public HostLookup resolveHost(String host) {
    String raw = host == null ? "" : host.trim();
    if (config == null || raw.isEmpty() || raw.charAt(0) == '[') {
      return unknown(raw);
    }
    String name = raw;
    int port = -1;
    int colon = raw.lastIndexOf(':');
    if (colon >= 0) {
      name = raw.substring(0, colon);
      try {
        port = Integer.parseInt(raw.substring(colon + 1));
      } catch (NumberFormatException e) {
        return unknown(raw);
      }
    }
    name = name.toLowerCase(Locale.ROOT);
    if (name.endsWith(".")) {
      name = name.substring(0, name.length() - 1);
    }
    String suffix = "." + config.meshDomain().toLowerCase(Locale.ROOT);
    if (!name.endsWith(suffix)) {
      return unknown(raw);
    }
    TreeMap<Integer, CompiledListener> ports =
        byHost.get(name.substring(0, name.length() - suffix.length()));
    if (ports == null) {
      return unknown(raw);
    }
    CompiledListener found;
    if (port >= 0) {
      found = ports.get(port);
    } else if (ports.containsKey(80)) {
      found = ports.get(80);
    } else if (ports.size() == 1) {
      found = ports.firstEntry().getValue();
    } else {
      return new HostLookup.NotFound(
          "service '" + raw + "' has HTTP ports " + ports.keySet() + "; add one to the host");
    }
    return found == null ? unknown(raw) : new HostLookup.Found(found);
  }

  /** Built only on a miss: a hit must not pay for the message. */
  private static HostLookup.NotFound unknown(String raw) {
    return new HostLookup.NotFound("no meshed service for host '" + raw + "'");
  }
}
