package io.nodemesh.proxy.transport;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.concurrent.ScheduledFuture;
import io.netty.util.concurrent.Ticker;
import java.util.concurrent.TimeUnit;

/**
 * Fires {@link IdleStateEvent#ALL_IDLE_STATE_EVENT} when a connection has neither read nor written
 * for the idle time, and again after every further idle period while it stays quiet; the handlers
 * behind it decide whether to close.
 *
 * <p>Netty's {@code IdleStateHandler} with an all-idle time does the same by adding a listener to
 * the promise of every write, which allocates on every response (the largest item of the proxy's
 * allocation profile, docs/benchmarks.md). Here activity is a timestamp taken when data arrives and
 * when a message is written, and the one timer per connection is rescheduled only when it fires:
 * once per idle period, not once per request. A write counts when it is issued rather than when it
 * completes; a peer that stops reading stops the proxy's reads too (backpressure), so the
 * connection still goes quiet and times out.
 */
public final class IdleTimeout extends ChannelDuplexHandler {
  private final long idleNanos;
  private Ticker ticker;
  private long lastActivity;
  private ScheduledFuture<?> timer;
  private boolean started;

  public IdleTimeout(long idle, TimeUnit unit) {
    if (idle <= 0) {
      throw new IllegalArgumentException("idle timeout " + idle + " " + unit + " is not positive");
    }
    this.idleNanos = unit.toNanos(idle);
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    ticker = ctx.executor().ticker();
    if (ctx.channel().isActive() && ctx.channel().isRegistered()) {
      start(ctx);
    }
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    stop();
  }

  @Override
  public void channelRegistered(ChannelHandlerContext ctx) {
    if (ctx.channel().isActive()) {
      start(ctx);
    }
    ctx.fireChannelRegistered();
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    start(ctx);
    ctx.fireChannelActive();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    stop();
    ctx.fireChannelInactive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    // Taken when the bytes arrive (one buffer per read), before anything they cause downstream:
    // an upstream connection then goes idle just before the client connection it answered.
    lastActivity = ticker.nanoTime();
    ctx.fireChannelRead(msg);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    lastActivity = ticker.nanoTime();
    ctx.write(msg, promise);
  }

  private void start(ChannelHandlerContext ctx) {
    if (started) {
      return;
    }
    started = true;
    lastActivity = ticker.nanoTime();
    timer = ctx.executor().schedule(() -> check(ctx), idleNanos, TimeUnit.NANOSECONDS);
  }

  private void check(ChannelHandlerContext ctx) {
    if (!ctx.channel().isOpen()) {
      return;
    }
    long quiet = ticker.nanoTime() - lastActivity;
    long left = idleNanos - quiet;
    if (left > 0) {
      timer = ctx.executor().schedule(() -> check(ctx), left, TimeUnit.NANOSECONDS);
      return;
    }
    timer = ctx.executor().schedule(() -> check(ctx), idleNanos, TimeUnit.NANOSECONDS);
    ctx.fireUserEventTriggered(IdleStateEvent.ALL_IDLE_STATE_EVENT);
  }

  private void stop() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }
}
