package io.nodemesh.proxy.udp;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import io.nodemesh.config.access.AccessPolicy;
import io.nodemesh.proxy.acl.AccessGuard;
import io.nodemesh.proxy.balance.Pick;
import io.nodemesh.proxy.listener.CompiledListener;
import io.nodemesh.proxy.listener.RoutingTable;
import io.nodemesh.proxy.transport.Transport;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The handler of one UDP listener's datagram channel (not shareable: one per bind). A datagram from
 * a client address without a session picks a backend and endpoint from the table in force ({@link
 * io.nodemesh.proxy.balance.CompiledRoute#pickConnection}) and opens a {@link UdpSession}; later
 * datagrams from that address go to the same endpoint. No listener, no ready endpoint, the session
 * cap or the client IP's own session cap reached drops the datagram. Closing the channel (unbind)
 * closes every session.
 *
 * <p>The session map is only touched on this channel's event loop; the upstream channels share it.
 */
public final class UdpProxyHandler extends ChannelInboundHandlerAdapter {
  private static final System.Logger LOG = System.getLogger(UdpProxyHandler.class.getName());

  private final Transport transport;
  private final UdpSettings settings;
  private final int proxyPort;
  private final Supplier<RoutingTable> table;
  private final Map<InetSocketAddress, UdpSession> sessions = new HashMap<>();
  // Sessions per client IP: one source must not take every slot with many source ports.
  private final Map<InetAddress, Integer> perSource = new HashMap<>();
  private final LongAdder refusedPerSource = new LongAdder();
  private final LongAdder dropped = new LongAdder();
  private volatile int sessionCount;
  private Channel listener;

  /**
   * @param proxyPort the UDP listener's proxy port
   * @param table the routing table in force
   */
  public UdpProxyHandler(
      Transport transport, UdpSettings settings, int proxyPort, Supplier<RoutingTable> table) {
    this.transport = Objects.requireNonNull(transport, "transport");
    this.settings = Objects.requireNonNull(settings, "udp settings");
    this.proxyPort = proxyPort;
    this.table = Objects.requireNonNull(table, "routing table");
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.listener = ctx.channel();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof DatagramPacket packet)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    try {
      InetSocketAddress client = packet.sender();
      CompiledListener current = table.get().udpByProxyPort(proxyPort);
      UdpSession session = sessions.get(client);
      Predicate<InetAddress> pods = null;
      if (current != null && current.access().enabled()) {
        // ACL mode checks every datagram, so a revoked TrafficTarget also stops open sessions;
        // per serving pod (issue 17): a session keeps to a pod whose service account allows it.
        AccessPolicy.Admission a = current.access().admitL4(client);
        pods = a.pods();
        if (AccessGuard.deniedMessage(a) != null
            || (session != null && pods != null && !pods.test(session.endpoint()))) {
          dropped.increment();
          return;
        }
      }
      if (session == null) {
        session = open(client, pods);
        if (session == null) {
          dropped.increment();
          return;
        }
      }
      session.fromClient(packet.content().retain());
    } finally {
      packet.release();
    }
  }

  private UdpSession open(InetSocketAddress client, Predicate<InetAddress> pods) {
    if (sessions.size() >= settings.maxSessions()) {
      LOG.log(
          Level.DEBUG,
          "udp proxy port {0,number,#}: {1,number,#} sessions, datagram from {2} dropped",
          proxyPort,
          sessions.size(),
          String.valueOf(client));
      return null;
    }
    Integer fromSource = perSource.get(client.getAddress());
    if (fromSource != null && fromSource >= settings.maxSessionsPerSource()) {
      refusedPerSource.increment();
      LOG.log(
          Level.DEBUG,
          "udp proxy port {0,number,#}: {1,number,#} sessions from {2}, datagram dropped",
          proxyPort,
          fromSource,
          String.valueOf(client.getAddress()));
      return null;
    }
    CompiledListener l = table.get().udpByProxyPort(proxyPort);
    if (l == null) {
      LOG.log(Level.DEBUG, "udp proxy port {0,number,#}: no listener, datagram dropped", proxyPort);
      return null;
    }
    return switch (l.route().pickConnection(client.getAddress(), pods)) {
      case Pick.Unavailable u -> {
        LOG.log(
            Level.DEBUG, "udp listener {0}: {1}, datagram dropped", l.config().key(), u.message());
        yield null;
      }
      case Pick.Forward f -> {
        UdpSession s =
            new UdpSession(
                this,
                listener,
                client,
                l.config().key(),
                f,
                l.metrics()
                    .connection("udp", l.config(), f.service(), f.target().authority(), client));
        sessions.put(client, s);
        perSource.merge(client.getAddress(), 1, Integer::sum);
        sessionCount = sessions.size();
        s.open(transport, settings);
        yield s;
      }
    };
  }

  /** On the event loop, when a session closes. */
  void remove(InetSocketAddress client, UdpSession session) {
    if (sessions.remove(client, session)) {
      perSource.computeIfPresent(client.getAddress(), (a, n) -> n > 1 ? n - 1 : null);
    }
    sessionCount = sessions.size();
  }

  void drop() {
    dropped.increment();
  }

  /** Open sessions (for metrics and tests; any thread). */
  public int sessionCount() {
    return sessionCount;
  }

  /** New sessions refused so far because their client IP had its maximum open (any thread). */
  public long refusedPerSource() {
    return refusedPerSource.sum();
  }

  /** Datagrams dropped so far: no endpoint, session cap, queue full, socket busy (any thread). */
  public long dropped() {
    return dropped.sum();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    for (UdpSession s : List.copyOf(sessions.values())) {
      s.close();
    }
    sessions.clear();
    perSource.clear();
    sessionCount = 0;
    super.channelInactive(ctx);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // A bad datagram or a transient socket error must not end the listener.
    LOG.log(
        Level.DEBUG,
        "udp proxy port {0,number,#}: {1}: {2}",
        proxyPort,
        cause.getClass().getSimpleName(),
        String.valueOf(cause.getMessage()));
  }
}
