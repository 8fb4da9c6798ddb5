package io.nodemesh.proxy.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.MeshConfigJson;
import io.nodemesh.proxy.transport.Transport;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The admin endpoints ({@code /ping}, {@code /ready}, {@code /metrics}, {@code /config}, {@code
 * /tap}; see {@link AdminHandler}) on a small HTTP/1.1 server of the proxy's own Netty, with one
 * event loop of its own: it starts before the proxy's event loops exist and stops after them, so
 * probes see the drain. It used to be Helidon SE, which cost the proxy about 1,200 classes and 10
 * MiB of memory for five GET routes (docs/benchmarks.md, "The admin server on Netty").
 */
public final class AdminServer {
  /** Longest request line, as Helidon's default "max-prologue-length"; longer gets 414. */
  static final int MAX_REQUEST_LINE = 4096;

  /** Largest header section, as Helidon's default "max-headers-size"; larger gets 400. */
  static final int MAX_HEADER_BYTES = 16 * 1024;

  /** A connection that neither reads nor writes this long is closed (Helidon's default too). */
  static final long IDLE_SECONDS = 300;

  private final EventLoopGroup group;
  private final Channel channel;
  private final ChannelGroup connections;

  private AdminServer(EventLoopGroup group, Channel channel, ChannelGroup connections) {
    this.group = group;
    this.channel = channel;
    this.connections = connections;
  }

  /**
   * Starts the admin server on {@code host:port} (0 = ephemeral).
   *
   * @throws IllegalStateException when the port cannot be bound
   */
  public static AdminServer start(String host, int port, AdminView view) {
    boolean epoll = Epoll.isAvailable();
    EventLoopGroup group =
        new MultiThreadIoEventLoopGroup(
            1,
            new DefaultThreadFactory("nodemesh-admin", true),
            epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    Class<? extends ServerChannel> serverChannel =
        epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    // Every open connection, to close them in stop(): shutting the event loop down does not
    // reliably close a connection whose reads are paused (an open /tap), and its reader would wait
    // on a connection nobody serves any more.
    ChannelGroup connections = new DefaultChannelGroup("nodemesh-admin", group.next());
    HttpDecoderConfig decoder =
        new HttpDecoderConfig()
            .setMaxInitialLineLength(MAX_REQUEST_LINE)
            .setMaxHeaderSize(MAX_HEADER_BYTES);
    try {
      Channel channel =
          new ServerBootstrap()
              .group(group)
              .channel(serverChannel)
              .childOption(ChannelOption.ALLOCATOR, Transport.ALLOCATOR)
              .childOption(ChannelOption.TCP_NODELAY, true)
              .childHandler(
                  new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                      connections.add(ch);
                      ch.pipeline()
                          .addLast(new HttpServerCodec(decoder))
                          .addLast(new IdleStateHandler(0, 0, IDLE_SECONDS, TimeUnit.SECONDS))
                          .addLast(new AdminHandler(view));
                    }
                  })
              .bind(host, port)
              .syncUninterruptibly()
              .channel();
      return new AdminServer(group, channel, connections);
    } catch (Exception e) {
      // Netty rethrows the bind's IOException unchecked (syncUninterruptibly), hence Exception.
      group.shutdownGracefully(0, 0, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
      throw new IllegalStateException(
          "admin server: cannot listen on " + host + ":" + port + " (port in use?)", e);
    }
  }

  /** The bound port. */
  public int port() {
    return ((InetSocketAddress) channel.localAddress()).getPort();
  }

  /** Stops accepting, closes every admin connection (open taps end) and the event loop. */
  public void stop() {
    channel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    connections.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
  }

  /**
   * {@code {"version":N,"listeners":[{"namespace","service","port","protocol","proxyPort",
   * "bound","split"}...]}}; version -1 and no listeners before the first config.
   */
  public static String configJson(AdminView view) {
    MeshConfig c = view.config();
    ObjectNode root = MeshConfigJson.mapper().createObjectNode();
    root.put("version", c == null ? -1 : c.version());
    ArrayNode listeners = root.putArray("listeners");
    if (c != null) {
      for (ListenerConfig l : c.listeners()) {
        ObjectNode n = listeners.addObject();
        n.put("namespace", l.namespace());
        n.put("service", l.service());
        n.put("port", l.port());
        n.put("protocol", l.protocol().wireName());
        n.put("proxyPort", l.proxyPort());
        n.put("bound", view.isBound(l.proxyPort()));
        if (l.route().splitName() != null) {
          n.put("split", l.route().splitName());
        }
      }
    }
    return root.toString();
  }
}
