package io.nodemesh.proxy.tunnel;

import io.netty.util.NetUtil;
import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.Protocol;
import io.nodemesh.config.Scheme;
import io.nodemesh.config.access.AccessPolicy;
import io.nodemesh.config.tunnel.MtlsMode;
import io.nodemesh.config.tunnel.TunnelConfig;
import io.nodemesh.config.tunnel.TunnelPod;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * What the tunnel knows from one config, built once per config and never changed: where each pod
 * runs and as whom, where each node's proxy listens, and which (pod IP, port) pairs of this node
 * the listeners serve. Both sides decide from it alone, never from what a peer says.
 */
final class TunnelTable {
  private final String self;
  private final TunnelConfig tunnel;
  private final AccessPolicy access;
  private final Map<String, Protocol> protocols = new HashMap<>();
  private final Map<String, Scheme> schemes = new HashMap<>();

  /** listener key -> the {@code ip:port} authorities of its endpoints on this node. */
  private final Map<String, Set<String>> localTargets = new HashMap<>();

  /**
   * listener key -> those of its local authorities whose pod port asked for a PROXY protocol v2
   * header ({@code nodemesh.io/proxy-protocol}).
   */
  private final Map<String, Set<String>> proxyProtocolTargets = new HashMap<>();

  /**
   * node -> its proxy's tunnel address, parsed once per config instead of once per request (a node
   * whose address does not parse is absent, see {@link #path}).
   */
  private final Map<String, InetSocketAddress> proxyAddresses = new HashMap<>();

  TunnelTable(MeshConfig config, String self) {
    this.self = self;
    this.tunnel = config.tunnel();
    this.access = AccessPolicy.compile(config.access());
    tunnel
        .proxies()
        .forEach(
            (node, address) -> {
              InetSocketAddress parsed = socketAddress(address);
              if (parsed != null) {
                proxyAddresses.put(node, parsed);
              }
            });
    for (ListenerConfig l : config.listeners()) {
      protocols.put(l.key(), l.protocol());
      schemes.put(l.key(), l.policy().scheme());
      Set<String> mine = new HashSet<>();
      Set<String> withHeader = new HashSet<>();
      // Gateway API rules' backends and mirrors too: a rule sends this listener's requests to
      // pods of other Services (issue 17).
      for (BackendConfig b : l.route().allBackends()) {
        for (EndpointConfig e : b.endpoints()) {
          TunnelPod pod = tunnel.pods().get(e.ip());
          if (self != null && self.equals(e.nodeName()) && pod != null && self.equals(pod.node())) {
            mine.add(e.authority());
            if (e.proxyProtocol()) {
              withHeader.add(e.authority());
            }
          }
        }
      }
      if (!mine.isEmpty()) {
        localTargets.put(l.key(), Set.copyOf(mine));
      }
      if (!withHeader.isEmpty()) {
        proxyProtocolTargets.put(l.key(), Set.copyOf(withHeader));
      }
    }
  }

  /** The accounts of this node's pods: the ones this proxy holds certificates for. */
  Set<String> localAccounts() {
    Set<String> out = new HashSet<>();
    tunnel
        .pods()
        .values()
        .forEach(
            p -> {
              if (p.node().equals(self)) {
                out.add(p.account());
              }
            });
    return out;
  }

  static TunnelTable empty(String self) {
    return new TunnelTable(MeshConfig.empty(), self);
  }

  String self() {
    return self;
  }

  AccessPolicy access() {
    return access;
  }

  Protocol protocol(String listenerKey) {
    return protocols.get(listenerKey);
  }

  /**
   * What this node's config says the listener's pods speak ({@code nodemesh.io/scheme}), or null
   * for an unknown listener: the destination speaks it to the pod, whatever the caller sent.
   */
  Scheme scheme(String listenerKey) {
    return schemes.get(listenerKey);
  }

  /**
   * Where the caller's proxy sends a connection to {@code target} for a client at {@code source}.
   */
  sealed interface Path {
    /**
     * Straight to the pod: same node, a namespace with mTLS off, or permissive without a tunnel.
     */
    record Direct() implements Path {}

    /** Through the destination node's proxy. */
    record Via(
        InetSocketAddress proxy, String source, String node, String destination, MtlsMode mode)
        implements Path {}

    /** Strict mode and no tunnel can be built: never plaintext. */
    record Refuse(String reason) implements Path {}
  }

  static final Path DIRECT = new Path.Direct();

  Path path(String targetIp, InetAddress source) {
    TunnelPod pod = tunnel.pods().get(targetIp);
    if (pod == null) {
      return DIRECT;
    }
    MtlsMode mode = tunnel.modeOf(pod.namespace());
    if (mode == MtlsMode.OFF || pod.node().equals(self)) {
      return DIRECT;
    }
    TunnelPod from = source == null ? null : tunnel.pods().get(source.getHostAddress());
    String proxy = tunnel.proxies().get(pod.node());
    if (from == null || proxy == null) {
      if (mode == MtlsMode.STRICT) {
        return new Path.Refuse(
            from == null
                ? "strict mTLS to " + pod.account() + ": the caller is not a known pod"
                : "strict mTLS to " + pod.account() + ": node " + pod.node() + " has no proxy");
      }
      return DIRECT;
    }
    InetSocketAddress address = proxyAddresses.get(pod.node());
    if (address == null) {
      return mode == MtlsMode.STRICT
          ? new Path.Refuse("node " + pod.node() + " proxy address " + proxy + " is not ip:port")
          : DIRECT;
    }
    return new Path.Via(address, from.account(), pod.node(), pod.account(), mode);
  }

  /** A destination's answer to one relay request. */
  sealed interface Admission {
    /**
     * @param proxyProtocol the pod's port asked for a PROXY protocol v2 header, by this node's
     *     table
     */
    record Relay(InetSocketAddress pod, String account, boolean proxyProtocol)
        implements Admission {}

    record Refused(String reason) implements Admission {}
  }

  /**
   * Whether this node's proxy may relay to {@code target} ({@code ip:port}) for a listener and for
   * a connection opened for {@code sniAccount}: only to a meshed pod of this node, on a port one of
   * the listener's endpoints names, running as the account the caller verified (issue 14, "never an
   * open relay"). Host names, the metadata address, the kubelet, host-network addresses, pods
   * outside the mesh and pods of other nodes all fail one of these checks.
   */
  Admission admit(String target, String listenerKey, String sniAccount) {
    if (target == null || target.length() > 64) {
      return new Admission.Refused("no target");
    }
    int colon = target.lastIndexOf(':');
    if (colon <= 0) {
      return new Admission.Refused("target " + target + " is not ip:port");
    }
    String host = target.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    byte[] raw = NetUtil.createByteArrayFromIpAddressString(host);
    if (raw == null) {
      return new Admission.Refused("target " + target + " is not an IP literal");
    }
    int port;
    try {
      port = Integer.parseInt(target.substring(colon + 1));
    } catch (NumberFormatException e) {
      return new Admission.Refused("target " + target + " has no port");
    }
    InetAddress ip;
    try {
      ip = InetAddress.getByAddress(raw);
    } catch (UnknownHostException e) {
      return new Admission.Refused("target " + target + " is not an IP literal");
    }
    TunnelPod pod = tunnel.pods().get(ip.getHostAddress());
    if (pod == null) {
      return new Admission.Refused("target " + target + " is not a meshed pod");
    }
    if (!pod.node().equals(self)) {
      return new Admission.Refused("target " + target + " is on node " + pod.node() + ", not here");
    }
    Set<String> mine = listenerKey == null ? null : localTargets.get(listenerKey);
    String authority =
        ip.getHostAddress().indexOf(':') >= 0
            ? "[" + ip.getHostAddress() + "]:" + port
            : ip.getHostAddress() + ":" + port;
    if (mine == null || !mine.contains(authority)) {
      return new Admission.Refused(
          "target " + target + " is not a meshed port of listener " + listenerKey + " here");
    }
    if (!pod.account().equals(sniAccount)) {
      return new Admission.Refused(
          "target " + target + " runs as " + pod.account() + ", the tunnel is for " + sniAccount);
    }
    Set<String> withHeader = proxyProtocolTargets.get(listenerKey);
    return new Admission.Relay(
        new InetSocketAddress(ip, port),
        pod.account(),
        withHeader != null && withHeader.contains(authority));
  }

  /**
   * {@code ip:port} (brackets around an IPv6 literal) as a socket address, or null when it is not
   * exactly that: no host names are resolved, the port is 1..65535.
   */
  static InetSocketAddress socketAddress(String ipPort) {
    if (ipPort == null || ipPort.length() > 64) {
      return null;
    }
    int colon = ipPort.lastIndexOf(':');
    if (colon <= 0) {
      return null;
    }
    String host = ipPort.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    byte[] raw = NetUtil.createByteArrayFromIpAddressString(host);
    if (raw == null) {
      return null;
    }
    try {
      int port = Integer.parseInt(ipPort.substring(colon + 1));
      return port < 1 ? null : new InetSocketAddress(InetAddress.getByAddress(raw), port);
    } catch (UnknownHostException | IllegalArgumentException e) {
      return null;
    }
  }
}
