package io.nodemesh.config.tunnel;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The tunnel part of a {@link io.nodemesh.config.MeshConfig}.
 *
 * @param mode the mode of namespaces not listed in {@code namespaces} (the chart's default)
 * @param namespaces the mode of each namespace that sets its own
 * @param trustDomain the SPIFFE trust domain of this mesh ({@code spiffe://<trustDomain>/ns/..})
 * @param proxies each node's proxy tunnel address, {@code ip:port}, by node name: from the proxies'
 *     own pods (ready ones only) and the chart's tunnel port
 * @param pods every Running, non-hostNetwork pod of a meshed namespace, by pod IP: its node (the
 *     EndpointSlice's {@code nodeName}) and its service account; a destination proxy relays only to
 *     pods this table places on its own node
 */
public record TunnelConfig(
    MtlsMode mode,
    Map<String, MtlsMode> namespaces,
    String trustDomain,
    Map<String, String> proxies,
    Map<String, TunnelPod> pods) {
  private static final TunnelConfig DISABLED =
      new TunnelConfig(MtlsMode.OFF, Map.of(), null, Map.of(), Map.of());

  public TunnelConfig {
    mode = mode == null ? MtlsMode.OFF : mode;
    namespaces = namespaces == null ? Map.of() : Map.copyOf(namespaces);
    proxies = proxies == null ? Map.of() : Map.copyOf(proxies);
    // A HashMap, as Identities explains: Map.copyOf probes badly on dense runs of pod IPs.
    pods =
        pods == null || pods.isEmpty()
            ? Map.of()
            : java.util.Collections.unmodifiableMap(new HashMap<>(pods));
    proxies.forEach(
        (node, address) -> {
          int colon = address == null ? -1 : address.lastIndexOf(':');
          if (colon <= 0) {
            throw new IllegalArgumentException(
                "tunnel proxy of node '" + node + "': address '" + address + "' is not ip:port");
          }
        });
    pods.values().forEach(p -> Objects.requireNonNull(p, "tunnel pod"));
  }

  /** No tunnel: every namespace is {@code off}. */
  public static TunnelConfig disabled() {
    return DISABLED;
  }

  /** The mode of {@code namespace}. */
  public MtlsMode modeOf(String namespace) {
    return namespaces.getOrDefault(namespace, mode);
  }
}
