package io.nodemesh.controller.tunnel;

import io.nodemesh.config.tunnel.MtlsMode;
import java.util.Map;
import java.util.Objects;

/**
 * What the controller needs to fill the tunnel part.
 *
 * @param mode the chart's {@code mtls.mode}: the mode of a namespace that does not set its own
 * @param tunnelPort the chart's {@code mtls.tunnelPort}, where every node proxy takes tunnels
 * @param trustDomain the mesh CA's SPIFFE trust domain; null: the CA's own
 * @param meshNamespace where the node proxies run
 * @param proxySelector the labels of the node proxy pods
 */
public record TunnelSettings(
    MtlsMode mode,
    int tunnelPort,
    String trustDomain,
    String meshNamespace,
    Map<String, String> proxySelector) {
  public static final int DEFAULT_PORT = 15008;

  public TunnelSettings {
    mode = mode == null ? MtlsMode.OFF : mode;
    if (tunnelPort < 1 || tunnelPort > 65535) {
      throw new IllegalArgumentException("tunnel port " + tunnelPort + " is not in 1..65535");
    }
    Objects.requireNonNull(meshNamespace, "TunnelSettings.meshNamespace");
    proxySelector = Map.copyOf(proxySelector);
  }

  /** These settings with {@code td} as the trust domain. */
  public TunnelSettings withTrustDomain(String td) {
    return new TunnelSettings(mode, tunnelPort, td, meshNamespace, proxySelector);
  }
}
