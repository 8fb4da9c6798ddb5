package io.nodemesh.proxy.tcp;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.AttributeKey;
import io.nodemesh.proxy.limits.RejectReason;
import io.nodemesh.proxy.limits.Rejections;
import io.nodemesh.proxy.listener.CompiledListener;
import io.nodemesh.proxy.listener.RoutingTable;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Caps the open client connections of each TCP listener (keyed by its proxy port): the proxy's
 * {@code --max-connections-per-listener}, lowered per Service by {@code
 * nodemesh.io/max-connections}. One over the cap is closed before anything is read or any backend
 * is dialled, and counted in {@code nodemesh_rejected_requests_total{reason="connection_limit"}}. A
 * TCP client has no protocol in which to be told why, so the close is the answer. Sharable: one
 * instance for every TCP listener; the per-port counts are its only state.
 */
@ChannelHandler.Sharable
public final class TcpConnectionCap extends ChannelInboundHandlerAdapter {
  private static final System.Logger LOG = System.getLogger(TcpConnectionCap.class.getName());
  static final String NAME = "tcp-connection-cap";

  /** Set on a refused connection, which was never counted as open. */
  private static final AttributeKey<Boolean> REFUSED = AttributeKey.valueOf("nodemesh.tcp.refused");

  private final int proxyMax;
  private final Rejections rejections;
  private final Supplier<RoutingTable> table;
  private final Map<Integer, AtomicInteger> open = new ConcurrentHashMap<>();

  /**
   * @param proxyMax the proxy's cap per listener
   * @param rejections where a refused connection is counted
   * @param table the routing table in force (for the Service's own cap)
   */
  public TcpConnectionCap(int proxyMax, Rejections rejections, Supplier<RoutingTable> table) {
    if (proxyMax < 1) {
      throw new IllegalArgumentException("tcp connection cap " + proxyMax + " is not positive");
    }
    this.proxyMax = proxyMax;
    this.rejections = rejections;
    this.table = table;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    int port = port(ctx);
    int cap = cap(table.get().tcpByProxyPort(port));
    AtomicInteger n = open.computeIfAbsent(port, p -> new AtomicInteger());
    if (n.incrementAndGet() > cap) {
      n.decrementAndGet();
      ctx.channel().attr(REFUSED).set(Boolean.TRUE);
      rejections.count(RejectReason.CONNECTION_LIMIT);
      LOG.log(
          Level.DEBUG,
          "tcp proxy port {0,number,#}: {1,number,#} connections open, one more closed",
          port,
          cap);
      ctx.close();
      return;
    }
    ctx.fireChannelActive();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (ctx.channel().attr(REFUSED).get() == null) {
      AtomicInteger n = open.get(port(ctx));
      if (n != null) {
        n.decrementAndGet();
      }
    }
    ctx.fireChannelInactive();
  }

  /** The cap of a listener: the Service's when it sets a lower one, else the proxy's. */
  int cap(CompiledListener l) {
    int service = l == null ? 0 : l.config().policy().connections().maxConnections();
    return service > 0 ? Math.min(service, proxyMax) : proxyMax;
  }

  /** Open connections on a TCP proxy port (tests and diagnostics). */
  public int open(int proxyPort) {
    AtomicInteger n = open.get(proxyPort);
    return n == null ? 0 : n.get();
  }

  private static int port(ChannelHandlerContext ctx) {
    return ctx.channel().localAddress() instanceof InetSocketAddress a ? a.getPort() : -1;
  }
}
