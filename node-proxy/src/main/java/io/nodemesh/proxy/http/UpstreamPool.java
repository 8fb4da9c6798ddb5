package io.nodemesh.proxy.http;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.timeout.IdleStateHandler;
import io.nodemesh.proxy.limits.Limits;
import io.nodemesh.proxy.transport.Transport;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Idle keep-alive upstream connections of one event loop, by endpoint. Only that event loop uses
 * it, so it needs no lock; a downstream connection borrows from the pool of its own loop, which
 * keeps both channels of an exchange on one thread.
 */
final class UpstreamPool {
  static final String IDLE = "idle";
  static final String CODEC = "http-client";
  static final String HANDLER = "upstream";

  private final Bootstrap bootstrap;
  private final int maxIdle;
  private final Map<String, ArrayDeque<Channel>> idle = new HashMap<>();

  UpstreamPool(HttpProxyContext context, EventLoop loop) {
    Transport t = context.transport();
    this.maxIdle = context.settings().maxIdlePerEndpoint();
    long idleNanos = context.settings().idleTimeout().toNanos();
    this.bootstrap =
        new Bootstrap()
            .group(loop)
            .channel(t.socketChannel())
            .option(ChannelOption.AUTO_READ, false)
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.ALLOCATOR, Transport.ALLOCATOR)
            .option(
                ChannelOption.CONNECT_TIMEOUT_MILLIS,
                (int) Math.min(Integer.MAX_VALUE, context.settings().connectTimeout().toMillis()))
            .handler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    ch.pipeline()
                        .addLast(IDLE, new IdleStateHandler(0, 0, idleNanos, TimeUnit.NANOSECONDS))
                        .addLast(CODEC, new HttpClientCodec())
                        .addLast(Limits.RESPONSE_GUARD, context.limits().responseGuard())
                        .addLast(HANDLER, new UpstreamHandler());
                  }
                });
  }

  /** An idle open connection to the endpoint, or null. */
  Channel acquire(String key) {
    ArrayDeque<Channel> q = idle.get(key);
    if (q == null) {
      return null;
    }
    Channel ch;
    while ((ch = q.pollLast()) != null) {
      if (ch.isActive()) {
        return ch;
      }
    }
    return null;
  }

  ChannelFuture connect(InetSocketAddress address) {
    return bootstrap.connect(address);
  }

  /** Returns a connection after a complete exchange, or closes it when the pool is full. */
  void release(String key, Channel ch) {
    if (!ch.isActive()) {
      return;
    }
    ArrayDeque<Channel> q = idle.computeIfAbsent(key, k -> new ArrayDeque<>());
    if (q.size() >= maxIdle) {
      ch.close();
      return;
    }
    ch.pipeline().get(UpstreamHandler.class).idle(this, key);
    q.addLast(ch);
    // A pending read notices when the backend closes an idle connection, before anyone borrows it.
    ch.read();
  }

  void remove(String key, Channel ch) {
    ArrayDeque<Channel> q = idle.get(key);
    if (q != null) {
      q.remove(ch);
      if (q.isEmpty()) {
        idle.remove(key);
      }
    }
  }

  /** Idle connections to one endpoint (for tests and diagnostics). */
  int idleCount(String key) {
    ArrayDeque<Channel> q = idle.get(key);
    return q == null ? 0 : q.size();
  }
}
