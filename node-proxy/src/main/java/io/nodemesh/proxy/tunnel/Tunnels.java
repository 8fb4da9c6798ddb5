package io.nodemesh.proxy.tunnel;

import io.micrometer.core.instrument.MeterRegistry;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.proxy.transport.Transport;
import io.nodemesh.proxy.upstream.UpstreamRelay;
import java.time.Clock;

/**
 * The node-to-node tunnel of one node proxy: the destination side's port, the caller side's
 * connections, and the table both decide from, replaced whole on every config.
 */
public final class Tunnels implements AutoCloseable {
  private volatile TunnelTable table;
  private final TunnelServer server;
  private final TunnelClient client;

  private Tunnels(
      Transport transport,
      String bindHost,
      String nodeName,
      TunnelSettings settings,
      TunnelCredentials credentials,
      MeterRegistry registry,
      Clock clock) {
    this.table = TunnelTable.empty(nodeName);
    TunnelTls tls = new TunnelTls(credentials, clock);
    TunnelMetrics metrics = new TunnelMetrics(registry);
    this.server = TunnelServer.start(transport, bindHost, settings, tls, () -> table, metrics);
    this.client = new TunnelClient(transport, settings, tls, () -> table, metrics);
  }

  /**
   * Binds the tunnel port.
   *
   * @param nodeName this proxy's node; pods the config places elsewhere are never relayed to
   * @throws IllegalStateException when the port cannot be bound
   */
  public static Tunnels start(
      Transport transport,
      String bindHost,
      String nodeName,
      TunnelSettings settings,
      TunnelCredentials credentials,
      MeterRegistry registry,
      Clock clock) {
    if (nodeName == null || nodeName.isBlank()) {
      throw new IllegalStateException("the tunnel needs the proxy's node name (--node-name)");
    }
    return new Tunnels(transport, bindHost, nodeName, settings, credentials, registry, clock);
  }

  /** Takes the tables of {@code config}; connections already open stay. */
  public void apply(MeshConfig config) {
    table = new TunnelTable(config, table.self());
  }

  /** The caller side, for {@link io.nodemesh.proxy.upstream.HttpProxyContext#relay}. */
  public UpstreamRelay client() {
    return client;
  }

  /** The bound tunnel port. */
  public int port() {
    return server.port();
  }

  @Override
  public void close() {
    server.close();
  }
}
