package io.nodemesh.proxy.transport;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.netty.util.concurrent.Ticker;
import java.util.concurrent.TimeUnit;

/**
 * A deadline of one connection that is set and cleared on every request (the request timeout, the
 * request head's and the body stall's deadlines), with at most one task on the event loop's timer
 * queue for it.
 *
 * <p>Scheduling and cancelling a Netty task per request costs a task object, a lambda and two
 * operations on the event loop's priority queue per request (docs/benchmarks.md, the allocation
 * profile of issue 15). Here disarming only forgets the action, and arming a deadline that is not
 * earlier than the task already queued keeps that task: when it fires it finds the deadline moved
 * on and queues itself again for it. With a constant timeout that is one task per timeout period
 * instead of one per request. The action runs no earlier than the delay of the last {@link #arm}.
 *
 * <p>Per connection, not per stream: a forgotten task stays queued until it fires, so the owner
 * {@link #close}s it when the connection ends. Event loop only, no synchronisation.
 */
public final class ConnectionDeadline implements Runnable {
  private final EventExecutor executor;
  private final Ticker ticker;
  private ScheduledFuture<?> queued;
  private long firesAt;
  private Runnable action;
  private Object holder;
  private long due;

  public ConnectionDeadline(EventExecutor executor) {
    this.executor = executor;
    this.ticker = executor.ticker();
  }

  /**
   * Runs {@code onDue} in {@code delayNanos} unless {@code holder} disarms it first or another
   * holder arms it.
   */
  public void arm(Object holder, Runnable onDue, long delayNanos) {
    long at = ticker.nanoTime() + Math.max(0, delayNanos);
    this.holder = holder;
    action = onDue;
    due = at;
    if (queued != null && firesAt - at <= 0) {
      return;
    }
    dropQueued();
    queue(at);
  }

  /** Forgets the action of {@code holder}; a later holder's stays. */
  public void disarm(Object holder) {
    if (this.holder == holder) {
      action = null;
      this.holder = null;
    }
  }

  /** Whether an action is armed (and has neither been disarmed nor run). */
  public boolean armed() {
    return action != null;
  }

  /** Disarms and takes the task off the timer queue (the connection has closed). */
  public void close() {
    action = null;
    holder = null;
    dropQueued();
  }

  /** The queued task fires: runs the action when its deadline has come, else waits on for it. */
  @Override
  public void run() {
    queued = null;
    Runnable a = action;
    if (a == null) {
      return;
    }
    if (ticker.nanoTime() - due >= 0) {
      action = null;
      holder = null;
      a.run();
    } else {
      queue(due);
    }
  }

  private void queue(long at) {
    firesAt = at;
    queued = executor.schedule(this, Math.max(0, at - ticker.nanoTime()), TimeUnit.NANOSECONDS);
  }

  private void dropQueued() {
    if (queued != null) {
      queued.cancel(false);
      queued = null;
    }
  }
}
