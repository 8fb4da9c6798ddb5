package io.nodemesh.controller;

import io.nodemesh.config.Protocol;
import io.nodemesh.controller.common.PortRange;
import io.nodemesh.controller.compile.CompileSettings;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * How a controller replica runs.
 *
 * @param meshNamespace where shadow Services and the Lease live ({@code nodemesh})
 * @param meshDomain the DNS suffix clients call ({@code mesh})
 * @param bindHost the API server's bind address
 * @param apiPort the API server's port; 0 picks an ephemeral one
 * @param httpPorts proxy ports for http listeners
 * @param tcpPorts proxy ports for tcp listeners
 * @param udpPorts proxy ports for udp listeners
 * @param debounce how long a burst of changes is coalesced before recompiling
 * @param maxDelay the longest a change may wait under constant churn
 * @param leaderElection false: this replica always acts as leader
 * @param identity the Lease holder identity (pod name or hostname)
 * @param watchNamespace the only namespace watched, or null for all
 * @param proxySelector the labels that select the node proxy pods
 * @param acl ACL mode: deny by default, allow what TrafficTargets allow
 * @param defaultTrafficType the traffic type of a Service without {@code nodemesh.io/traffic-type}
 */
public record ControllerOptions(
    String meshNamespace,
    String meshDomain,
    String bindHost,
    int apiPort,
    PortRange httpPorts,
    PortRange tcpPorts,
    PortRange udpPorts,
    Duration debounce,
    Duration maxDelay,
    boolean leaderElection,
    String identity,
    String watchNamespace,
    Map<String, String> proxySelector,
    boolean acl,
    Protocol defaultTrafficType) {

  public static final String DEFAULT_MESH_NAMESPACE = "nodemesh";
  public static final Map<String, String> DEFAULT_PROXY_SELECTOR =
      Map.of("app.kubernetes.io/name", "nodemesh-proxy");

  public ControllerOptions {
    meshNamespace =
        meshNamespace == null || meshNamespace.isBlank() ? DEFAULT_MESH_NAMESPACE : meshNamespace;
    meshDomain = meshDomain == null || meshDomain.isBlank() ? "mesh" : meshDomain;
    bindHost = bindHost == null || bindHost.isBlank() ? "0.0.0.0" : bindHost;
    if (apiPort < 0 || apiPort > 65535) {
      throw new IllegalArgumentException(
          "ControllerOptions.apiPort " + apiPort + " is not in 0..65535");
    }
    httpPorts = httpPorts == null ? new PortRange(5000, 9999) : httpPorts;
    tcpPorts = tcpPorts == null ? new PortRange(10000, 14999) : tcpPorts;
    udpPorts = udpPorts == null ? new PortRange(15000, 19999) : udpPorts;
    overlap("httpPorts", httpPorts, "tcpPorts", tcpPorts);
    overlap("httpPorts", httpPorts, "udpPorts", udpPorts);
    overlap("tcpPorts", tcpPorts, "udpPorts", udpPorts);
    debounce = debounce == null ? Duration.ofMillis(50) : debounce;
    maxDelay = maxDelay == null ? Duration.ofSeconds(2) : maxDelay;
    if (debounce.isNegative() || maxDelay.compareTo(debounce) < 0) {
      throw new IllegalArgumentException(
          "ControllerOptions.maxDelay " + maxDelay + " must be >= debounce " + debounce + " >= 0");
    }
    identity = identity == null || identity.isBlank() ? defaultIdentity() : identity;
    watchNamespace = watchNamespace == null || watchNamespace.isBlank() ? null : watchNamespace;
    proxySelector =
        proxySelector == null || proxySelector.isEmpty()
            ? DEFAULT_PROXY_SELECTOR
            : Map.copyOf(proxySelector);
    defaultTrafficType = defaultTrafficType == null ? Protocol.HTTP : defaultTrafficType;
  }

  /** Options whose Services default to the http traffic type. */
  public ControllerOptions(
      String meshNamespace,
      String meshDomain,
      String bindHost,
      int apiPort,
      PortRange httpPorts,
      PortRange tcpPorts,
      PortRange udpPorts,
      Duration debounce,
      Duration maxDelay,
      boolean leaderElection,
      String identity,
      String watchNamespace,
      Map<String, String> proxySelector,
      boolean acl) {
    this(
        meshNamespace,
        meshDomain,
        bindHost,
        apiPort,
        httpPorts,
        tcpPorts,
        udpPorts,
        debounce,
        maxDelay,
        leaderElection,
        identity,
        watchNamespace,
        proxySelector,
        acl,
        Protocol.HTTP);
  }

  /** Options with ACL mode off. */
  public ControllerOptions(
      String meshNamespace,
      String meshDomain,
      String bindHost,
      int apiPort,
      PortRange httpPorts,
      PortRange tcpPorts,
      PortRange udpPorts,
      Duration debounce,
      Duration maxDelay,
      boolean leaderElection,
      String identity,
      String watchNamespace,
      Map<String, String> proxySelector) {
    this(
        meshNamespace,
        meshDomain,
        bindHost,
        apiPort,
        httpPorts,
        tcpPorts,
        udpPorts,
        debounce,
        maxDelay,
        leaderElection,
        identity,
        watchNamespace,
        proxySelector,
        false);
  }

  /**
   * What the compiler takes from these options. Built here, at the top, so the compile package does
   * not import the controller's options (no package cycle, docs/architecture.md).
   */
  public CompileSettings compileSettings() {
    Map<Protocol, PortRange> ranges = new EnumMap<>(Protocol.class);
    ranges.put(Protocol.HTTP, httpPorts());
    ranges.put(Protocol.TCP, tcpPorts());
    ranges.put(Protocol.UDP, udpPorts());
    return new CompileSettings(meshNamespace(), meshDomain(), ranges, acl(), defaultTrafficType());
  }

  /** A copy with ACL mode switched on or off. */
  public ControllerOptions withAcl(boolean enabled) {
    return copy(bindHost, apiPort, leaderElection, identity, enabled, defaultTrafficType);
  }

  /** A copy whose Services without a traffic-type annotation get {@code type}. */
  public ControllerOptions withDefaultTrafficType(Protocol type) {
    return copy(bindHost, apiPort, leaderElection, identity, acl, type);
  }

  /** Every default: API on 0.0.0.0:9900, all namespaces, this replica always leader. */
  public static ControllerOptions defaults() {
    return new ControllerOptions(
        DEFAULT_MESH_NAMESPACE,
        "mesh",
        "0.0.0.0",
        9900,
        null,
        null,
        null,
        null,
        null,
        false,
        null,
        null,
        null);
  }

  /** A copy with another API bind address and port. */
  public ControllerOptions withApi(String host, int port) {
    return copy(host, port, leaderElection, identity, acl, defaultTrafficType);
  }

  /** A copy with leader election switched on or off and the given identity. */
  public ControllerOptions withLeaderElection(boolean enabled, String id) {
    return copy(bindHost, apiPort, enabled, id, acl, defaultTrafficType);
  }

  /** This record with the fields the copy methods change replaced. */
  private ControllerOptions copy(
      String host, int port, boolean election, String id, boolean aclMode, Protocol type) {
    return new ControllerOptions(
        meshNamespace,
        meshDomain,
        host,
        port,
        httpPorts,
        tcpPorts,
        udpPorts,
        debounce,
        maxDelay,
        election,
        id,
        watchNamespace,
        proxySelector,
        aclMode,
        type);
  }

  private static void overlap(String an, PortRange a, String bn, PortRange b) {
    if (a.first() <= b.last() && b.first() <= a.last()) {
      throw new IllegalArgumentException(
          "ControllerOptions." + an + " " + a + " overlaps " + bn + " " + b);
    }
  }

  private static String defaultIdentity() {
    String host = System.getenv("HOSTNAME");
    return Objects.requireNonNullElse(
        host == null || host.isBlank() ? null : host,
        "nodemesh-controller-" + ProcessHandle.current().pid());
  }
}
