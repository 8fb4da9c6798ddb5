package io.nodemesh.proxy.upstream;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.netty.util.concurrent.Ticker;
import java.util.concurrent.TimeUnit;

/**
 * The request-timeout timer of one downstream connection, reused by its exchanges (one at a time).
 *
 * <p>Scheduling and cancelling a Netty timer per request costs two operations on the event loop's
 * priority queue per request. Here disarming only forgets the action, and arming a later deadline
 * keeps a timer that is already scheduled to fire earlier: when it fires it finds the current
 * deadline in the future and reschedules itself for it. On a keep-alive connection with a constant
 * timeout that is one schedule per timeout period instead of one per request.
 */
public final class DeadlineTimer {
  private final EventExecutor executor;
  private final Ticker ticker;
  private ScheduledFuture<?> scheduled;
  private long firesAt;
  private Runnable action;
  private Object holder;
  private long due;

  public DeadlineTimer(EventExecutor executor) {
    this.executor = executor;
    this.ticker = executor.ticker();
  }

  /**
   * Runs {@code onDue} in {@code delayNanos} unless {@code holder} disarms it first or another
   * holder arms it.
   */
  void arm(Object holder, Runnable onDue, long delayNanos) {
    long dueNanos = ticker.nanoTime() + Math.max(0, delayNanos);
    this.holder = holder;
    action = onDue;
    due = dueNanos;
    if (scheduled != null && firesAt - dueNanos <= 0) {
      return;
    }
    cancel();
    schedule(dueNanos);
  }

  /** Forgets the action of {@code holder}; a later holder's stays. */
  void disarm(Object holder) {
    if (this.holder == holder) {
      action = null;
      this.holder = null;
    }
  }

  /** Disarms and drops the scheduled timer (the connection has closed). */
  public void close() {
    action = null;
    holder = null;
    cancel();
  }

  private void schedule(long at) {
    firesAt = at;
    scheduled =
        executor.schedule(this::fire, Math.max(0, at - ticker.nanoTime()), TimeUnit.NANOSECONDS);
  }

  private void cancel() {
    if (scheduled != null) {
      scheduled.cancel(false);
      scheduled = null;
    }
  }

  private void fire() {
    scheduled = null;
    Runnable a = action;
    if (a == null) {
      return;
    }
    if (ticker.nanoTime() - due >= 0) {
      action = null;
      holder = null;
      a.run();
    } else {
      schedule(due);
    }
  }
}
