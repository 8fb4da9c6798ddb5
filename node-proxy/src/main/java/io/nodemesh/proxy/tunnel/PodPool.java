package io.nodemesh.proxy.tunnel;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The destination's pod connections of one event loop, so that tunnel streams do not pay a TCP
 * connect per request: keep-alive HTTP/1.1 connections (at most {@link
 * PodPoolSettings#maxIdlePerPod} idle per pod address, each closed after {@link
 * PodPoolSettings#idleTimeout} unused) and one multiplexed h2c connection per pod address (RFC 9113
 * §5), closed once it has carried no stream for as long. Only its own event loop uses it, so it
 * needs no lock. CONNECT streams never come here: each is a connection. Settings and meters are
 * those of its proxy ({@link PodPools}).
 *
 * <p>Nothing of a caller stays on a pooled connection: the identity header is set on every request
 * from that stream's verified certificate ({@link DestinationStream}), and a connection only comes
 * back after a complete request and a complete keep-alive response.
 *
 * <p>Why not the proxy's {@code http.UpstreamPool}: it is bound to the HTTP listener's context
 * (settings, limits, metrics, its exchange handler) and is being moved into stage packages; this
 * pool holds only the rules the destination needs.
 */
final class PodPool {
  static final String BACK = "back";

  private final PodPoolSettings settings;
  private final PodPoolMetrics metrics;
  private final Map<InetSocketAddress, ArrayDeque<Channel>> idle = new HashMap<>();
  private final Map<InetSocketAddress, Shared> shared = new HashMap<>();

  PodPool(PodPoolSettings settings, PodPoolMetrics metrics) {
    this.settings = settings;
    this.metrics = metrics;
  }

  /** An idle HTTP/1.1 connection to {@code pod} whose last handler is now {@code back}, or null. */
  Channel borrow(InetSocketAddress pod, ChannelHandler back) {
    ArrayDeque<Channel> q = idle.get(pod);
    if (q == null) {
      return null;
    }
    Channel ch;
    while ((ch = q.pollLast()) != null) {
      metrics.pooled(-1);
      Idle waiting = (Idle) ch.pipeline().get(BACK);
      waiting.timer.cancel(false);
      if (ch.isActive()) {
        ch.pipeline().replace(BACK, BACK, back);
        metrics.reused();
        return ch;
      }
      metrics.evicted(PodPoolMetrics.Eviction.CLOSED);
    }
    return null;
  }

  /**
   * Takes back an HTTP/1.1 connection whose request and keep-alive response are both complete; a
   * closed one, or one beyond the cap, is closed instead.
   */
  void giveBack(InetSocketAddress pod, Channel ch) {
    PodPoolSettings s = settings;
    ArrayDeque<Channel> q = idle.computeIfAbsent(pod, k -> new ArrayDeque<>());
    if (!ch.isActive() || q.size() >= s.maxIdlePerPod()) {
      metrics.evicted(ch.isActive() ? PodPoolMetrics.Eviction.CAP : PodPoolMetrics.Eviction.CLOSED);
      ch.close();
      return;
    }
    Idle waiting = new Idle(pod);
    waiting.timer =
        ch.eventLoop()
            .schedule(
                () -> {
                  waiting.timedOut = true;
                  ch.close();
                },
                s.idleTimeout().toMillis(),
                TimeUnit.MILLISECONDS);
    ch.pipeline().replace(BACK, BACK, waiting);
    q.addLast(ch);
    metrics.pooled(1);
    // A pending read notices a pod closing an idle connection before anyone borrows it.
    ch.read();
  }

  /**
   * A new stream on the pod's shared h2c connection, dialling it with {@code bootstrap} (whose
   * initializer ran {@link H2cToPod#prepare}) when there is none; {@code back} ends the stream's
   * pipeline.
   */
  Future<Channel> openH2(InetSocketAddress pod, Bootstrap bootstrap, ChannelHandler back) {
    Shared s = shared.get(pod);
    if (s == null) {
      s = new Shared(pod, bootstrap.connect(pod));
      shared.put(pod, s);
    }
    return s.open(back);
  }

  /** A shared h2c connection and how many streams it carries now. */
  private final class Shared {
    private final InetSocketAddress pod;
    private final ChannelFuture connection;
    private int streams;
    private long quiet;

    Shared(InetSocketAddress pod, ChannelFuture connection) {
      this.pod = pod;
      this.connection = connection;
      Channel ch = connection.channel();
      ch.closeFuture().addListener(f -> retire());
      ch.pipeline()
          .addLast(
              "goaway",
              new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                  // GOAWAY (RFC 9113 §6.8): open streams finish, new ones go to a new connection.
                  if (msg instanceof Http2GoAwayFrame) {
                    retire();
                  }
                  ReferenceCountUtil.release(msg);
                }
              });
    }

    private void retire() {
      shared.remove(pod, this);
    }

    Future<Channel> open(ChannelHandler back) {
      Channel ch = connection.channel();
      Promise<Channel> ready = ch.eventLoop().newPromise();
      streams++;
      connection.addListener(
          (ChannelFuture c) -> {
            if (!c.isSuccess()) {
              retire();
              ready.setFailure(c.cause());
              return;
            }
            H2cToPod.open(ch, back)
                .addListener(
                    (Future<Channel> f) -> {
                      if (!f.isSuccess()) {
                        ready.setFailure(f.cause());
                        ended();
                        return;
                      }
                      f.getNow().closeFuture().addListener(x -> ended());
                      ready.setSuccess(f.getNow());
                    });
          });
      return ready;
    }

    private void ended() {
      if (--streams > 0) {
        return;
      }
      long mark = ++quiet;
      Channel ch = connection.channel();
      ch.eventLoop()
          .schedule(
              () -> {
                if (streams == 0 && quiet == mark) {
                  retire();
                  ch.close();
                }
              },
              settings.idleTimeout().toMillis(),
              TimeUnit.MILLISECONDS);
    }
  }

  /** The last handler of an idle HTTP/1.1 connection: anything from the pod now ends it. */
  private final class Idle extends ChannelInboundHandlerAdapter {
    private final InetSocketAddress pod;
    private ScheduledFuture<?> timer;
    private boolean timedOut;

    Idle(InetSocketAddress pod) {
      this.pod = pod;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ReferenceCountUtil.release(msg);
      ctx.close();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      ReferenceCountUtil.release(evt);
      ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      timer.cancel(false);
      ArrayDeque<Channel> q = idle.get(pod);
      if (q != null) {
        if (q.remove(ctx.channel())) {
          metrics.pooled(-1);
          metrics.evicted(timedOut ? PodPoolMetrics.Eviction.IDLE : PodPoolMetrics.Eviction.CLOSED);
        }
        if (q.isEmpty()) {
          idle.remove(pod);
        }
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
