package io.nodemesh.proxy.udp;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.nodemesh.proxy.balance.Pick;
import io.nodemesh.proxy.metrics.ConnectionObservation;
import io.nodemesh.proxy.transport.Transport;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * One client address of a UDP listener: a connected upstream datagram channel (ephemeral local
 * port) to the endpoint picked when the session opened, on the listener's event loop. Each datagram
 * from the client is written once upstream, each datagram from the endpoint once to the client
 * through the listener channel. Until the upstream channel is connected the client's datagrams are
 * queued (bounded). No datagram either way for the idle timeout closes the session.
 *
 * <p>Everything runs on the listener channel's event loop.
 */
final class UdpSession extends ChannelInboundHandlerAdapter {
  private static final System.Logger LOG = System.getLogger(UdpSession.class.getName());

  private final UdpProxyHandler owner;
  private final Channel listener;
  private final InetSocketAddress client;
  private final String listenerKey;
  private final Pick.Forward target;
  private ArrayDeque<ByteBuf> queued = new ArrayDeque<>();
  private int maxQueued;
  private long idleNanos;
  private long lastActivity;
  private Channel upstream;
  private ScheduledFuture<?> idleCheck;
  private boolean closed;
  private final ConnectionObservation observed;

  UdpSession(
      UdpProxyHandler owner,
      Channel listener,
      InetSocketAddress client,
      String listenerKey,
      Pick.Forward target,
      ConnectionObservation observed) {
    this.observed = observed;
    this.owner = owner;
    this.listener = listener;
    this.client = client;
    this.listenerKey = listenerKey;
    this.target = target;
  }

  /** The pod this session relays to. */
  InetAddress endpoint() {
    return target.target().address().getAddress();
  }

  /** Opens the upstream channel; datagrams are queued until it is connected. */
  void open(Transport transport, UdpSettings settings) {
    this.maxQueued = settings.maxQueued();
    long serviceIdle = target.call() == null ? 0 : target.call().policy().timeouts().idleMillis();
    // nodemesh.io/idle-timeout of the Service (bounded), else the proxy's UDP session idle timeout.
    this.idleNanos = settings.sessionIdleNanos(serviceIdle);
    this.lastActivity = System.nanoTime();
    Bootstrap b =
        new Bootstrap()
            .group(listener.eventLoop())
            .channel(transport.datagramChannel())
            .option(ChannelOption.ALLOCATOR, Transport.ALLOCATOR)
            .option(ChannelOption.RECVBUF_ALLOCATOR, Transport.DATAGRAM_RECV)
            .handler(this);
    ChannelFuture cf = b.connect(target.target().address());
    upstream = cf.channel();
    upstream.closeFuture().addListener(x -> close());
    cf.addListener(
        (ChannelFuture done) -> {
          if (!done.isSuccess()) {
            Throwable c = done.cause();
            LOG.log(
                Level.DEBUG,
                "udp listener {0}: cannot open upstream to {1} ({2}): {3}, session closed",
                listenerKey,
                target.target().authority(),
                target.service(),
                c == null ? "failed" : c.getClass().getSimpleName() + ": " + c.getMessage());
            close();
            return;
          }
          if (closed) {
            upstream.close();
            return;
          }
          ArrayDeque<ByteBuf> q = queued;
          queued = null;
          ByteBuf m;
          while ((m = q.poll()) != null) {
            upstream.write(m).addListener(WRITE_FAILED);
          }
          upstream.flush();
        });
    idleCheck = listener.eventLoop().schedule(this::checkIdle, idleNanos, TimeUnit.NANOSECONDS);
  }

  private static final ChannelFutureListener WRITE_FAILED =
      f -> {
        if (!f.isSuccess()) {
          Throwable c = f.cause();
          LOG.log(
              Level.DEBUG,
              "udp write to {0} failed: {1}",
              String.valueOf(f.channel().remoteAddress()),
              c == null ? "failed" : c.getClass().getSimpleName() + ": " + c.getMessage());
        }
      };

  /** A datagram from the client (ownership passes here). */
  void fromClient(ByteBuf content) {
    if (closed) {
      content.release();
      owner.drop();
      return;
    }
    lastActivity = System.nanoTime();
    observed.fromClient(content.readableBytes());
    if (queued == null) {
      if (!upstream.isWritable()) {
        // The socket's send buffer is full: drop rather than buffer without bound.
        content.release();
        owner.drop();
        return;
      }
      upstream.writeAndFlush(content).addListener(WRITE_FAILED);
    } else if (queued.size() < maxQueued) {
      queued.add(content);
    } else {
      content.release();
      owner.drop();
      LOG.log(
          Level.DEBUG,
          "udp listener {0}: {1} datagrams queued for {2}, datagram dropped",
          listenerKey,
          maxQueued,
          String.valueOf(client));
    }
  }

  /** A datagram from the endpoint: relayed once to the client. */
  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ByteBuf content;
    if (msg instanceof DatagramPacket p) {
      content = p.content();
    } else if (msg instanceof ByteBuf b) {
      content = b;
    } else {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (closed || !listener.isActive() || !listener.isWritable()) {
      content.release();
      owner.drop();
      return;
    }
    lastActivity = System.nanoTime();
    observed.toClient(content.readableBytes());
    listener.writeAndFlush(new DatagramPacket(content, client)).addListener(WRITE_FAILED);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // e.g. ICMP port unreachable: the next datagram from the client picks again.
    LOG.log(
        Level.DEBUG,
        "udp listener {0}: upstream {1} ({2}): {3}: {4}, session closed",
        listenerKey,
        target.target().authority(),
        target.service(),
        cause.getClass().getSimpleName(),
        String.valueOf(cause.getMessage()));
    close();
  }

  private void checkIdle() {
    if (closed) {
      return;
    }
    long idle = System.nanoTime() - lastActivity;
    if (idle >= idleNanos) {
      LOG.log(
          Level.DEBUG,
          "udp listener {0}: session of {1} idle, closed",
          listenerKey,
          String.valueOf(client));
      close();
    } else {
      idleCheck =
          listener.eventLoop().schedule(this::checkIdle, idleNanos - idle, TimeUnit.NANOSECONDS);
    }
  }

  /** Closes the upstream channel and forgets the session; idempotent, on the event loop. */
  void close() {
    if (closed) {
      return;
    }
    closed = true;
    observed.end();
    if (idleCheck != null) {
      idleCheck.cancel(false);
    }
    if (queued != null) {
      queued.forEach(ByteBuf::release);
      queued.clear();
    }
    owner.remove(client, this);
    if (upstream != null) {
      upstream.close();
    }
    if (target.call() != null) {
      // The session counted as a request in flight to its endpoint (least-request balancing).
      target.call().done();
    }
  }
}
