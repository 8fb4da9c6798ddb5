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

  /** The default of {@code --default-traffic-type}: {@code auto} (docs/protocols.md, rule 5). */
  public static final String DEFAULT_TRAFFIC_TYPE_NAME = CompileSettings.DEFAULT_TRAFFIC_TYPE_NAME;

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
    defaultTrafficType =
        defaultTrafficType == null ? CompileSettings.DEFAULT_TRAFFIC_TYPE : defaultTrafficType;
  }

  /** Options whose undeclared ports get {@link CompileSettings#DEFAULT_TRAFFIC_TYPE}. */
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
        CompileSettings.DEFAULT_TRAFFIC_TYPE);
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
    return toBuilder().acl(enabled).build();
  }

  /** A copy whose Services without a traffic-type annotation get {@code type}. */
  public ControllerOptions withDefaultTrafficType(Protocol type) {
    return toBuilder().defaultTrafficType(type).build();
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
    return toBuilder().bindHost(host).apiPort(port).build();
  }

  /** A copy with leader election switched on or off and the given identity. */
  public ControllerOptions withLeaderElection(boolean enabled, String id) {
    return toBuilder().leaderElection(enabled).identity(id).build();
  }

  /** A builder that starts from {@link #defaults()}. */
  public static Builder builder() {
    return defaults().toBuilder();
  }

  /** A builder that starts from these options. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /**
   * Options field by field; {@link #build()} applies the record's defaults and checks. A new option
   * is a record component, a field and a setter here, and one line in {@link #build()}.
   */
  public static final class Builder {
    private String meshNamespace;
    private String meshDomain;
    private String bindHost;
    private int apiPort;
    private PortRange httpPorts;
    private PortRange tcpPorts;
    private PortRange udpPorts;
    private Duration debounce;
    private Duration maxDelay;
    private boolean leaderElection;
    private String identity;
    private String watchNamespace;
    private Map<String, String> proxySelector;
    private boolean acl;
    private Protocol defaultTrafficType;

    private Builder(ControllerOptions o) {
      meshNamespace = o.meshNamespace;
      meshDomain = o.meshDomain;
      bindHost = o.bindHost;
      apiPort = o.apiPort;
      httpPorts = o.httpPorts;
      tcpPorts = o.tcpPorts;
      udpPorts = o.udpPorts;
      debounce = o.debounce;
      maxDelay = o.maxDelay;
      leaderElection = o.leaderElection;
      identity = o.identity;
      watchNamespace = o.watchNamespace;
      proxySelector = o.proxySelector;
      acl = o.acl;
      defaultTrafficType = o.defaultTrafficType;
    }

    public Builder meshNamespace(String value) {
      meshNamespace = value;
      return this;
    }

    public Builder meshDomain(String value) {
      meshDomain = value;
      return this;
    }

    public Builder bindHost(String value) {
      bindHost = value;
      return this;
    }

    public Builder apiPort(int value) {
      apiPort = value;
      return this;
    }

    public Builder httpPorts(PortRange value) {
      httpPorts = value;
      return this;
    }

    public Builder tcpPorts(PortRange value) {
      tcpPorts = value;
      return this;
    }

    public Builder udpPorts(PortRange value) {
      udpPorts = value;
      return this;
    }

    public Builder debounce(Duration value) {
      debounce = value;
      return this;
    }

    public Builder maxDelay(Duration value) {
      maxDelay = value;
      return this;
    }

    public Builder leaderElection(boolean value) {
      leaderElection = value;
      return this;
    }

    public Builder identity(String value) {
      identity = value;
      return this;
    }

    public Builder watchNamespace(String value) {
      watchNamespace = value;
      return this;
    }

    public Builder proxySelector(Map<String, String> value) {
      proxySelector = value;
      return this;
    }

    public Builder acl(boolean value) {
      acl = value;
      return this;
    }

    public Builder defaultTrafficType(Protocol value) {
      defaultTrafficType = value;
      return this;
    }

    public ControllerOptions build() {
      return new ControllerOptions(
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
          defaultTrafficType);
    }
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
