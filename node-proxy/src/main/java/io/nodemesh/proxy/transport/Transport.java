package io.nodemesh.proxy.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.lang.System.Logger.Level;
import java.util.concurrent.TimeUnit;

/**
 * The proxy's one event loop group and the channel classes that go with it.
 *
 * @param group event loops shared by listeners, the entry port and upstream connections
 * @param serverChannel the server channel class of the selected transport
 * @param socketChannel the client channel class of the selected transport
 * @param name {@code epoll} or {@code nio}, for logs
 */
public record Transport(
    EventLoopGroup group,
    Class<? extends ServerChannel> serverChannel,
    Class<? extends SocketChannel> socketChannel,
    String name) {
  private static final System.Logger LOG = System.getLogger(Transport.class.getName());

  /** Pooled direct buffers, explicitly: Netty 4.2 defaults to the adaptive allocator. */
  public static final ByteBufAllocator ALLOCATOR = PooledByteBufAllocator.DEFAULT;

  /**
   * Datagram reads: one buffer big enough for any UDP payload, so nothing is truncated (Netty's
   * default for datagram channels is 2048 bytes).
   */
  public static final RecvByteBufAllocator DATAGRAM_RECV = new FixedRecvByteBufAllocator(65536);

  /**
   * Starts the event loops.
   *
   * @param threads event loop count; 0 means one per core
   */
  public static Transport create(int threads) {
    int n = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    DefaultThreadFactory factory = new DefaultThreadFactory("nodemesh-loop", true);
    if (Epoll.isAvailable()) {
      IoHandlerFactory io = EpollIoHandler.newFactory();
      LOG.log(Level.INFO, "transport epoll, {0} event loops", n);
      return new Transport(
          new MultiThreadIoEventLoopGroup(n, factory, io),
          EpollServerSocketChannel.class,
          EpollSocketChannel.class,
          "epoll");
    }
    LOG.log(
        Level.INFO,
        "transport nio, {0} event loops (epoll unavailable: {1})",
        n,
        String.valueOf(Epoll.unavailabilityCause()));
    return new Transport(
        new MultiThreadIoEventLoopGroup(n, factory, NioIoHandler.newFactory()),
        NioServerSocketChannel.class,
        NioSocketChannel.class,
        "nio");
  }

  /** The datagram channel class of the selected transport (UDP listeners and their upstreams). */
  public Class<? extends DatagramChannel> datagramChannel() {
    return "epoll".equals(name) ? EpollDatagramChannel.class : NioDatagramChannel.class;
  }

  /**
   * A client bootstrap for a byte relay's upstream on {@code loop}: reads only when asked (the
   * relay's backpressure), a FIN read is an event rather than a close (half-close, RFC 9293 §3.6),
   * no Nagle delay.
   */
  public Bootstrap relayBootstrap(EventLoop loop, long connectTimeoutMillis) {
    return new Bootstrap()
        .group(loop)
        .channel(socketChannel)
        .option(ChannelOption.AUTO_READ, false)
        .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.ALLOCATOR, ALLOCATOR)
        .option(
            ChannelOption.CONNECT_TIMEOUT_MILLIS,
            (int) Math.max(1, Math.min(Integer.MAX_VALUE, connectTimeoutMillis)));
  }

  /** Stops the event loops, waiting a bounded time; pooled upstream connections close with them. */
  public void shutdown() {
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
  }
}
