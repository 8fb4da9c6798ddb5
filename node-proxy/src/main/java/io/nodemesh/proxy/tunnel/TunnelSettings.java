package io.nodemesh.proxy.tunnel;

import java.time.Duration;

/**
 * Knobs of the tunnel.
 *
 * @param port the port each node proxy accepts tunnels on (chart value {@code mtls.tunnelPort})
 * @param maxStreams streams one tunnel connection carries at once, both sides (RFC 9113 §6.5.2
 *     SETTINGS_MAX_CONCURRENT_STREAMS); a caller opens another connection beside a full one
 * @param idleTimeout a connection with no stream for this long is closed
 * @param maxAge a connection is retired after this long, and never later than the end of either
 *     certificate's life
 * @param connectTimeout TCP connect plus TLS handshake to a peer proxy
 * @param podPool the destination's pod connection pools of this proxy
 */
public record TunnelSettings(
    int port,
    int maxStreams,
    Duration idleTimeout,
    Duration maxAge,
    Duration connectTimeout,
    PodPoolSettings podPool) {
  public static final int DEFAULT_PORT = 15008;

  /** With the default pod pool settings. */
  public TunnelSettings(
      int port, int maxStreams, Duration idleTimeout, Duration maxAge, Duration connectTimeout) {
    this(port, maxStreams, idleTimeout, maxAge, connectTimeout, PodPoolSettings.DEFAULTS);
  }

  public TunnelSettings {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("tunnel port " + port + " is not in 0..65535");
    }
    if (maxStreams < 1) {
      throw new IllegalArgumentException("tunnel max streams " + maxStreams + " is below 1");
    }
    if (idleTimeout.isNegative()
        || idleTimeout.isZero()
        || maxAge.isNegative()
        || maxAge.isZero()) {
      throw new IllegalArgumentException("tunnel idle timeout and max age must be positive");
    }
    if (podPool == null) {
      throw new IllegalArgumentException("tunnel pod pool settings missing");
    }
  }

  /** These settings with the pod pools' {@code podPool}. */
  public TunnelSettings withPodPool(PodPoolSettings podPool) {
    return new TunnelSettings(port, maxStreams, idleTimeout, maxAge, connectTimeout, podPool);
  }

  public static TunnelSettings defaults(int port) {
    return new TunnelSettings(
        port, 1000, Duration.ofMinutes(5), Duration.ofHours(1), Duration.ofSeconds(5));
  }
}
