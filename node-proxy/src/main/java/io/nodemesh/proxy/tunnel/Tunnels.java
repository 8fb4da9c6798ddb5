package io.nodemesh.proxy.tunnel;

import io.micrometer.core.instrument.MeterRegistry;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.proxy.transport.Transport;
import io.nodemesh.proxy.upstream.UpstreamRelay;
import java.time.Clock;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;

/**
 * The node-to-node tunnel of one node proxy: the destination side's port, the caller side's
 * connections, and the table both decide from, replaced whole on every config.
 */
public final class Tunnels implements AutoCloseable {
  private volatile TunnelTable table;
  private final TunnelServer server;
  private final TunnelClient client;
  private final TunnelTls tls;
  // Makes TLS contexts off the event loops and off the config thread (TunnelTls.warm).
  private final ExecutorService warmer =
      Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().name("tunnel-tls").factory());
  private final AutoCloseable credentialsWatch;

  private Tunnels(
      Transport transport,
      String bindHost,
      String nodeName,
      TunnelSettings settings,
      TunnelCredentials credentials,
      MeterRegistry registry,
      Clock clock) {
    this.table = TunnelTable.empty(nodeName);
    this.tls = new TunnelTls(credentials, clock);
    TunnelMetrics metrics = new TunnelMetrics(registry, settings.podPool());
    this.server = TunnelServer.start(transport, bindHost, settings, tls, () -> table, metrics);
    this.client = new TunnelClient(transport, settings, tls, () -> table, metrics);
    this.credentialsWatch = credentials.onChange(this::warm);
  }

  /** Makes the TLS contexts of this node's accounts' certificates now, in the background. */
  private void warm() {
    TunnelTable t = table;
    try {
      warmer.execute(() -> tls.warm(t.localAccounts()));
    } catch (RejectedExecutionException closed) {
      // closing: nothing to warm
    }
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
    warm();
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
    try {
      credentialsWatch.close();
    } catch (Exception e) {
      // a listener that cannot be removed only warms contexts nobody uses
    }
    warmer.shutdownNow();
    server.close();
  }
}
