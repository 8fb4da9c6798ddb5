package io.nodemesh.testkit;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** What the kit's Netty backends share: one event loop and a listener on a free loopback port. */
public abstract class NettyServer implements AutoCloseable {
  private final EventLoopGroup group =
      new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private Channel server;

  NettyServer() {}

  /**
   * Binds 127.0.0.1 on a free port; each accepted connection's pipeline is set up by init. The
   * subclass calls this once, at the end of its constructor.
   */
  final void bind(Consumer<ChannelPipeline> init) throws InterruptedException {
    server =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childHandler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    init.accept(ch.pipeline());
                  }
                })
            .bind("127.0.0.1", 0)
            .sync()
            .channel();
  }

  public final int port() {
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  @Override
  public final void close() {
    server.close();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
