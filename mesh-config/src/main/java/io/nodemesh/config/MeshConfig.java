package io.nodemesh.config;

import io.nodemesh.config.tunnel.TunnelConfig;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The whole configuration a node proxy applies at once.
 *
 * @param version strictly increasing; the controller serves it as the {@code ETag}
 * @param meshDomain the DNS suffix clients use, without dots (default {@code mesh})
 * @param listeners one per meshed Service port
 * @param access ACL mode and what it allows; absent means ACL mode off
 * @param tunnel the node-to-node tunnel's modes and tables; absent means mTLS off everywhere
 */
public record MeshConfig(
    long version,
    String meshDomain,
    List<ListenerConfig> listeners,
    AccessConfig access,
    TunnelConfig tunnel) {
  public static final String DEFAULT_DOMAIN = "mesh";

  public MeshConfig {
    if (version < 0) {
      throw new IllegalArgumentException("config version " + version + " is negative");
    }
    meshDomain = meshDomain == null || meshDomain.isBlank() ? DEFAULT_DOMAIN : meshDomain;
    listeners = listeners == null ? List.of() : List.copyOf(listeners);
    access = access == null ? AccessConfig.disabled() : access;
    tunnel = tunnel == null ? TunnelConfig.disabled() : tunnel;
    // A bit per port and the key's parts rather than boxed ports and built key strings: the
    // controller builds a config of 10,000 listeners on every change (docs/benchmarks.md).
    BitSet ports = new BitSet(65536);
    Set<Identity> keys = new HashSet<>();
    for (ListenerConfig l : listeners) {
      Objects.requireNonNull(l, "listener");
      if (ports.get(l.proxyPort())) {
        throw new IllegalArgumentException(
            "config "
                + version
                + ": proxyPort "
                + l.proxyPort()
                + " is used twice ("
                + l.key()
                + ")");
      }
      ports.set(l.proxyPort());
      if (!keys.add(new Identity(l.namespace(), l.service(), l.port()))) {
        throw new IllegalArgumentException(
            "config " + version + ": listener " + l.key() + " twice");
      }
    }
  }

  /** What {@link ListenerConfig#key()} says, without building the string. */
  private record Identity(String namespace, String service, int port) {}

  /** A configuration without a tunnel (mTLS off everywhere). */
  public MeshConfig(
      long version, String meshDomain, List<ListenerConfig> listeners, AccessConfig access) {
    this(version, meshDomain, listeners, access, TunnelConfig.disabled());
  }

  /** A configuration with ACL mode off. */
  public MeshConfig(long version, String meshDomain, List<ListenerConfig> listeners) {
    this(version, meshDomain, listeners, AccessConfig.disabled());
  }

  /** The configuration a proxy holds before it has heard from any controller. */
  public static MeshConfig empty() {
    return new MeshConfig(0, DEFAULT_DOMAIN, List.of());
  }
}
