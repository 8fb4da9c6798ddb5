package io.nodemesh.proxy.tcp;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.nodemesh.proxy.listener.RoutingTable;
import io.nodemesh.proxy.transport.Transport;
import io.nodemesh.proxy.upstream.UpstreamRelay;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Supplier;

/** The pipeline of a downstream connection accepted on a TCP listener's proxy port. */
public final class TcpProxyInitializer extends ChannelInitializer<Channel> {
  public static final String PROXY = "tcp-proxy";

  private final Transport transport;
  private final Duration connectTimeout;
  private final int proxyPort;
  private final Supplier<RoutingTable> table;
  private final TcpConnectionCap cap;
  private final Supplier<UpstreamRelay> relay;

  /**
   * @param connectTimeout upstream TCP connect; then the client connection is closed
   * @param proxyPort the TCP listener's proxy port
   * @param table the routing table in force
   */
  public TcpProxyInitializer(
      Transport transport, Duration connectTimeout, int proxyPort, Supplier<RoutingTable> table) {
    this(transport, connectTimeout, proxyPort, table, null, () -> null);
  }

  /**
   * @param cap the connection cap shared by every TCP listener, or null for none
   * @param relay the node-to-node tunnel in force, or a supplier of null for none (issue 14)
   */
  public TcpProxyInitializer(
      Transport transport,
      Duration connectTimeout,
      int proxyPort,
      Supplier<RoutingTable> table,
      TcpConnectionCap cap,
      Supplier<UpstreamRelay> relay) {
    this.relay = Objects.requireNonNull(relay, "relay");
    this.transport = Objects.requireNonNull(transport, "transport");
    this.connectTimeout = Objects.requireNonNull(connectTimeout, "connect timeout");
    this.proxyPort = proxyPort;
    this.table = Objects.requireNonNull(table, "routing table");
    this.cap = cap;
  }

  @Override
  protected void initChannel(Channel ch) {
    ch.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
    if (cap != null) {
      ch.pipeline().addLast(TcpConnectionCap.NAME, cap);
    }
    ch.pipeline()
        .addLast(PROXY, new TcpFrontendHandler(transport, connectTimeout, proxyPort, table, relay));
  }
}
