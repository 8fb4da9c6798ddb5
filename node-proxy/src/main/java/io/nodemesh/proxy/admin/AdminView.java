package io.nodemesh.proxy.admin;

import io.nodemesh.config.MeshConfig;
import io.nodemesh.proxy.tap.TapGrants;
import io.nodemesh.proxy.tap.Taps;

/** What the admin server shows of a running proxy. */
public interface AdminView {
  /** The config in force, or null before the first. */
  MeshConfig config();

  /** Whether the listener on a proxy port is bound. */
  boolean isBound(int proxyPort);

  /** Prometheus text exposition. */
  String scrape();

  /** The proxy's live request taps, or null when it cannot be tapped (not started yet). */
  default Taps taps() {
    return null;
  }

  /**
   * How controller-signed tap grants are checked, or null when this proxy takes none (no pinned
   * controller CA): then only loopback callers may tap.
   */
  default TapGrants tapGrants() {
    return null;
  }
}
