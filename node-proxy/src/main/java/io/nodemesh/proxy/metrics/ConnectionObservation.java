package io.nodemesh.proxy.metrics;

import io.nodemesh.config.ListenerConfig;
import io.nodemesh.proxy.accesslog.AccessLog;
import io.nodemesh.proxy.accesslog.AccessLogEntry;
import java.net.SocketAddress;

/**
 * What one relayed TCP connection or UDP session reports: connection (session) counts and bytes as
 * they flow, and one access log line when it ends. Used on one event loop only.
 */
public final class ConnectionObservation {
  private final ProxyMetrics owner;
  private final RelayMeters meters;
  private final String protocol;
  private final ListenerConfig listener;
  private final String backend;
  private final String endpoint;
  private final SocketAddress client;
  private final long startNanos = System.nanoTime();
  private final long startMillis;
  private long in;
  private long out;
  private boolean ended;

  ConnectionObservation(
      ProxyMetrics owner,
      RelayMeters meters,
      String protocol,
      ListenerConfig listener,
      String backend,
      String endpoint,
      SocketAddress client) {
    this.owner = owner;
    this.meters = meters;
    this.protocol = protocol;
    this.listener = listener;
    this.backend = backend;
    this.endpoint = endpoint;
    this.client = client;
    this.startMillis = owner.accessLog().enabled() ? System.currentTimeMillis() : 0;
    meters.opened();
  }

  /** Bytes (for UDP: one datagram) read from the client. */
  public void fromClient(int bytes) {
    in += bytes;
    meters.fromClient(bytes);
  }

  /** Bytes (for UDP: one datagram) sent back to the client. */
  public void toClient(int bytes) {
    out += bytes;
    meters.toClient(bytes);
  }

  /** The connection or session ended; later calls are ignored. */
  public void end() {
    if (ended) {
      return;
    }
    ended = true;
    meters.closed();
    AccessLog log = owner.accessLog();
    if (log.enabled()) {
      log.log(
          new AccessLogEntry(
              startMillis,
              protocol,
              client == null ? null : RequestObservation.address(client),
              null,
              listener.namespace() + "/" + listener.service() + ":" + listener.port(),
              backend,
              endpoint,
              null,
              null,
              0,
              System.nanoTime() - startNanos,
              in,
              out,
              0,
              null));
    }
  }
}
