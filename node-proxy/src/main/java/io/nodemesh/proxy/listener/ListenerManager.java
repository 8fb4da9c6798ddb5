package io.nodemesh.proxy.listener;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.Protocol;
import io.nodemesh.proxy.transport.Transport;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntFunction;

/**
 * Keeps one server channel per HTTP or TCP listener (one datagram channel per UDP listener), bound
 * on {@code bindHost:proxyPort}. {@link #sync} diffs against what is bound: it binds new ports and
 * closes the channel of removed ones; established TCP connections on a removed port are left to end
 * on their own (in ACL mode they are closed: {@link #announce}), the sessions of a removed UDP
 * listener close with its channel.
 *
 * <p>Called from the control thread only (it waits for binds); never from an event loop.
 */
public final class ListenerManager {
  private static final System.Logger LOG = System.getLogger(ListenerManager.class.getName());

  private final Transport transport;
  private final String bindHost;
  private final IntFunction<ChannelHandler> childHandler;
  private final IntFunction<ChannelHandler> tcpChildHandler;
  private final IntFunction<ChannelHandler> udpHandler;
  private final Map<Integer, Channel> bound = new ConcurrentHashMap<>();
  private final Map<Integer, Protocol> boundProtocol = new ConcurrentHashMap<>();
  private final Set<String> warnedUnsupported = new HashSet<>();
  // Every open connection accepted on a port bound here (listeners and the entry port).
  private final ChannelGroup accepted =
      new DefaultChannelGroup("nodemesh-accepted", GlobalEventExecutor.INSTANCE);

  /**
   * @param childHandler makes the per-connection initializer for an HTTP proxy port
   */
  public ListenerManager(
      Transport transport, String bindHost, IntFunction<ChannelHandler> childHandler) {
    this(transport, bindHost, childHandler, null);
  }

  /**
   * @param childHandler makes the per-connection initializer for an HTTP proxy port
   * @param tcpChildHandler makes the per-connection initializer for a TCP proxy port; null when TCP
   *     listeners are not served
   */
  public ListenerManager(
      Transport transport,
      String bindHost,
      IntFunction<ChannelHandler> childHandler,
      IntFunction<ChannelHandler> tcpChildHandler) {
    this(transport, bindHost, childHandler, tcpChildHandler, null);
  }

  /**
   * @param childHandler makes the per-connection initializer for an HTTP proxy port
   * @param tcpChildHandler makes the per-connection initializer for a TCP proxy port; null when TCP
   *     listeners are not served
   * @param udpHandler makes the handler of a UDP proxy port's datagram channel (one per bind); null
   *     when UDP listeners are not served
   */
  public ListenerManager(
      Transport transport,
      String bindHost,
      IntFunction<ChannelHandler> childHandler,
      IntFunction<ChannelHandler> tcpChildHandler,
      IntFunction<ChannelHandler> udpHandler) {
    this.transport = transport;
    this.bindHost = bindHost;
    this.childHandler = childHandler;
    this.tcpChildHandler = tcpChildHandler;
    this.udpHandler = udpHandler;
  }

  /** Binds and unbinds so that exactly the config's HTTP (and TCP, UDP) listeners are served. */
  public synchronized void sync(MeshConfig config) {
    Map<Integer, ListenerConfig> wanted = new HashMap<>();
    for (ListenerConfig l : config.listeners()) {
      if (l.protocol() == Protocol.HTTP
          || ((l.protocol() == Protocol.TCP || l.protocol() == Protocol.AUTO)
              && tcpChildHandler != null)
          || (l.protocol() == Protocol.UDP && udpHandler != null)) {
        wanted.put(l.proxyPort(), l);
      } else if (warnedUnsupported.add(l.key() + "/" + l.protocol())) {
        LOG.log(
            Level.WARNING,
            "listener {0}: protocol {1} not supported yet, skipped",
            l.key(),
            l.protocol().wireName());
      }
    }
    for (Integer port : Set.copyOf(bound.keySet())) {
      ListenerConfig w = wanted.get(port);
      // A port whose protocol changed is rebound with the other pipeline.
      if (w == null || w.protocol() != boundProtocol.get(port)) {
        Channel ch = bound.remove(port);
        boundProtocol.remove(port);
        ch.close().awaitUninterruptibly();
        LOG.log(Level.INFO, "proxy port {0} unbound", port);
      }
    }
    for (ListenerConfig l : wanted.values()) {
      if (!bound.containsKey(l.proxyPort())) {
        try {
          Channel ch;
          if (l.protocol() == Protocol.UDP) {
            ch = bindDatagram(l.proxyPort(), udpHandler.apply(l.proxyPort()));
          } else if (l.protocol() == Protocol.AUTO) {
            int port = l.proxyPort();
            ch =
                bind(
                    port,
                    ProtocolSniffer.initializer(
                        childHandler.apply(port), tcpChildHandler.apply(port)));
          } else {
            IntFunction<ChannelHandler> child =
                l.protocol() == Protocol.TCP ? tcpChildHandler : childHandler;
            ch = bind(l.proxyPort(), child.apply(l.proxyPort()));
          }
          bound.put(l.proxyPort(), ch);
          boundProtocol.put(l.proxyPort(), l.protocol());
          LOG.log(
              Level.INFO,
              "listener {0} bound on {1}:{2,number,#}",
              l.key(),
              bindHost,
              l.proxyPort());
        } catch (RuntimeException e) {
          // One port in use must not keep the rest of the mesh from working; the next apply
          // retries.
          LOG.log(
              Level.WARNING,
              "listener {0}: cannot bind {1}:{2,number,#}: {3}",
              l.key(),
              bindHost,
              l.proxyPort(),
              String.valueOf(e.getMessage()));
        }
      }
    }
  }

  /**
   * Fires {@code event} on every open connection accepted on a port bound here, each on its own
   * event loop (a new config is in force: see {@code io.nodemesh.proxy.recheck}).
   */
  public void announce(Object event) {
    for (Channel ch : accepted) {
      ch.pipeline().fireUserEventTriggered(event);
    }
  }

  /** The proxy ports bound now. */
  public Set<Integer> boundPorts() {
    return Set.copyOf(bound.keySet());
  }

  /** Whether a server channel is bound on the proxy port. */
  public boolean isBound(int proxyPort) {
    Channel ch = bound.get(proxyPort);
    return ch != null && ch.isActive();
  }

  /**
   * Binds a server channel (also used for the entry port).
   *
   * @param port 0 for an ephemeral port
   * @param child the per-connection initializer
   * @throws IllegalStateException when the bind fails
   */
  public Channel bind(int port, ChannelHandler child) {
    ServerBootstrap b =
        new ServerBootstrap()
            .group(transport.group())
            .channel(transport.serverChannel())
            .option(ChannelOption.SO_BACKLOG, 1024)
            .option(ChannelOption.SO_REUSEADDR, true)
            .option(ChannelOption.ALLOCATOR, Transport.ALLOCATOR)
            .childOption(ChannelOption.AUTO_READ, false)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childOption(ChannelOption.ALLOCATOR, Transport.ALLOCATOR)
            .childHandler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    accepted.add(ch);
                    ch.pipeline().addLast(child);
                  }
                });
    return awaitBound(b.bind(new InetSocketAddress(bindHost, port)));
  }

  /**
   * Binds a datagram channel for a UDP listener.
   *
   * @param handler the channel's handler (not shared)
   * @throws IllegalStateException when the bind fails
   */
  Channel bindDatagram(int port, ChannelHandler handler) {
    Bootstrap b =
        new Bootstrap()
            .group(transport.group())
            .channel(transport.datagramChannel())
            .option(ChannelOption.SO_REUSEADDR, true)
            .option(ChannelOption.ALLOCATOR, Transport.ALLOCATOR)
            .option(ChannelOption.RECVBUF_ALLOCATOR, Transport.DATAGRAM_RECV)
            .handler(handler);
    return awaitBound(b.bind(new InetSocketAddress(bindHost, port)));
  }

  private static Channel awaitBound(ChannelFuture bind) {
    ChannelFuture f = bind.awaitUninterruptibly();
    if (!f.isSuccess()) {
      Throwable cause = f.cause();
      throw new IllegalStateException(
          cause == null
              ? "bind failed"
              : cause.getClass().getSimpleName() + ": " + cause.getMessage(),
          cause);
    }
    return f.channel();
  }

  /** Closes every listener's server channel. */
  public synchronized void closeAll() {
    for (Channel ch : bound.values()) {
      ch.close().awaitUninterruptibly();
    }
    bound.clear();
    boundProtocol.clear();
  }
}
