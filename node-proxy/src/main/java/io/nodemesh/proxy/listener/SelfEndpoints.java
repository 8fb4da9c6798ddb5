package io.nodemesh.proxy.listener;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.util.NetUtil;
import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.config.RouteFilter;
import io.nodemesh.config.RouteRule;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Drops the endpoints that are this proxy's own sockets before a config is compiled, so the proxy
 * never dials itself: an EndpointSlice naming a node IP (or any address of the proxy) and one of
 * its listener, entry or admin ports would make every request or connection a loop that feeds
 * itself until the proxy runs out of connections. Addresses are compared as addresses, not strings
 * ({@code ::ffff:127.0.0.1}, {@code 0:0::1} and {@code ::1} are parsed first), and a wildcard bind
 * address counts every local address (loopback, any interface's, {@code 0.0.0.0}) as the proxy's.
 * The count in force is the gauge {@code nodemesh_self_endpoints_dropped}; each newly dropped
 * endpoint is logged once. Control thread only.
 */
public final class SelfEndpoints {
  private static final System.Logger LOG = System.getLogger(SelfEndpoints.class.getName());

  private final InetAddress bindAddress;
  private final AtomicInteger dropped = new AtomicInteger();
  private Set<String> logged = Set.of();

  /**
   * @param bindHost the address the proxy binds its ports on (a wildcard means every local one)
   * @throws IllegalArgumentException when it is not an address or a resolvable name
   */
  public SelfEndpoints(String bindHost, MeterRegistry registry) {
    try {
      this.bindAddress = InetAddress.getByName(bindHost);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("bind host " + bindHost + ": " + e.getMessage(), e);
    }
    Gauge.builder("nodemesh.self.endpoints.dropped", dropped, AtomicInteger::get)
        .description("Endpoints left out because they are this proxy's own listener ports")
        .register(registry);
  }

  /**
   * The config without the endpoints that point at one of the proxy's ports on one of its
   * addresses; the same instance when there are none.
   *
   * @param otherPorts the proxy's ports besides the config's listeners (entry, admin); 0 or less
   *     for one not bound
   */
  public MeshConfig strip(MeshConfig config, int... otherPorts) {
    Set<Integer> ports = new HashSet<>();
    for (ListenerConfig l : config.listeners()) {
      ports.add(l.proxyPort());
    }
    for (int p : otherPorts) {
      if (p > 0) {
        ports.add(p);
      }
    }
    Set<InetAddress> local = localAddresses();
    Set<String> now = new HashSet<>();
    List<ListenerConfig> out = new ArrayList<>(config.listeners().size());
    boolean changed = false;
    for (ListenerConfig l : config.listeners()) {
      RouteConfig r = l.route();
      BackendConfig root = strip(l, r.root(), ports, local, now);
      List<BackendConfig> split = strip(l, r.split(), ports, local, now);
      // The Gateway API rules' backends and mirror targets are dialled as well (issue 17): a
      // backendRef or RequestMirror naming a Service whose endpoint is this proxy would loop.
      List<RouteRule> rules = new ArrayList<>(r.rules().size());
      boolean rulesChanged = false;
      for (RouteRule rule : r.rules()) {
        RouteRule s = strip(l, rule, ports, local, now);
        rulesChanged |= s != rule;
        rules.add(s);
      }
      if (root == r.root() && split == r.split() && !rulesChanged) {
        out.add(l);
        continue;
      }
      changed = true;
      out.add(
          new ListenerConfig(
              l.namespace(),
              l.service(),
              l.port(),
              l.protocol(),
              l.proxyPort(),
              // All five parts: a rebuilt route that left out its rules would route by the
              // TrafficSplit fields and never answer 404 (RouteConfig).
              new RouteConfig(root, split, r.matches(), r.splitName(), rules),
              l.policy()));
    }
    for (String e : now) {
      if (!logged.contains(e)) {
        LOG.log(Level.WARNING, "{0}: a port of this proxy, never dialled (connection loop)", e);
      }
    }
    logged = Set.copyOf(now);
    dropped.set(now.size());
    if (!changed) {
      return config;
    }
    return new MeshConfig(
        config.version(), config.meshDomain(), out, config.access(), config.tunnel());
  }

  /** The backends without self endpoints; the same list when none had any. */
  private List<BackendConfig> strip(
      ListenerConfig l,
      List<BackendConfig> backends,
      Set<Integer> ports,
      Set<InetAddress> local,
      Set<String> now) {
    List<BackendConfig> out = new ArrayList<>(backends.size());
    boolean changed = false;
    for (BackendConfig b : backends) {
      BackendConfig s = strip(l, b, ports, local, now);
      changed |= s != b;
      out.add(s);
    }
    return changed ? out : backends;
  }

  /** The rule with self endpoints left out of its backends and mirror targets. */
  private RouteRule strip(
      ListenerConfig l,
      RouteRule rule,
      Set<Integer> ports,
      Set<InetAddress> local,
      Set<String> now) {
    List<BackendConfig> backends = strip(l, rule.backends(), ports, local, now);
    List<RouteFilter> filters = new ArrayList<>(rule.filters().size());
    boolean filtersChanged = false;
    for (RouteFilter f : rule.filters()) {
      RouteFilter kept = f;
      if (f instanceof RouteFilter.RequestMirror m) {
        BackendConfig target = strip(l, m.backend(), ports, local, now);
        if (target != m.backend()) {
          filtersChanged = true;
          kept = new RouteFilter.RequestMirror(target, m.percent());
        }
      }
      filters.add(kept);
    }
    if (backends == rule.backends() && !filtersChanged) {
      return rule;
    }
    return new RouteRule(
        rule.name(),
        rule.matches(),
        filtersChanged ? filters : rule.filters(),
        backends,
        rule.refusedWeight(),
        rule.timeouts(),
        rule.retry(),
        rule.fault());
  }

  /** Endpoints left out of the config last stripped. */
  public int dropped() {
    return dropped.get();
  }

  private BackendConfig strip(
      ListenerConfig l,
      BackendConfig b,
      Set<Integer> ports,
      Set<InetAddress> local,
      Set<String> now) {
    List<EndpointConfig> kept = null;
    for (int i = 0; i < b.endpoints().size(); i++) {
      EndpointConfig e = b.endpoints().get(i);
      if (ports.contains(e.port()) && isLocal(e.ip(), local)) {
        if (kept == null) {
          kept = new ArrayList<>(b.endpoints().subList(0, i));
        }
        now.add("listener " + l.key() + " backend " + b.service() + " endpoint " + e.authority());
      } else if (kept != null) {
        kept.add(e);
      }
    }
    return kept == null ? b : new BackendConfig(b.service(), b.weight(), kept);
  }

  private boolean isLocal(String ip, Set<InetAddress> local) {
    InetAddress a = parse(ip);
    if (a == null) {
      // Not an IP literal: compiling the config refuses it.
      return false;
    }
    if (a.isAnyLocalAddress() || a.equals(bindAddress)) {
      // Connecting to 0.0.0.0 (or ::) reaches the local host.
      return true;
    }
    return bindAddress.isAnyLocalAddress() && (a.isLoopbackAddress() || local.contains(a));
  }

  /** The address of an IP literal, IPv4-mapped IPv6 as IPv4; null when it is not one. */
  static InetAddress parse(String ip) {
    byte[] raw = NetUtil.createByteArrayFromIpAddressString(ip.trim());
    if (raw == null) {
      return null;
    }
    try {
      // getByAddress turns an IPv4-mapped IPv6 address into IPv4; it never resolves.
      return InetAddress.getByAddress(raw);
    } catch (UnknownHostException e) {
      return null;
    }
  }

  /** Every address of this host's interfaces; read on each apply (pods and nodes gain some). */
  private Set<InetAddress> localAddresses() {
    if (!bindAddress.isAnyLocalAddress()) {
      return Set.of();
    }
    Set<InetAddress> out = new HashSet<>();
    try {
      for (NetworkInterface n : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        for (InetAddress a : Collections.list(n.getInetAddresses())) {
          // Without the scope id, as endpoint IPs are written.
          InetAddress plain = InetAddress.getByAddress(a.getAddress());
          out.add(plain);
        }
      }
    } catch (SocketException | UnknownHostException e) {
      LOG.log(Level.DEBUG, "cannot list local addresses: {0}", e.toString());
    }
    return out;
  }
}
