package io.nodemesh.proxy.upstream;

import io.netty.util.concurrent.EventExecutor;
import io.nodemesh.proxy.transport.ConnectionDeadline;

/**
 * The request-timeout timer of one downstream connection, reused by its exchanges (one at a time):
 * a {@link ConnectionDeadline}, so that a keep-alive connection with a constant timeout queues one
 * timer task per timeout period instead of scheduling and cancelling one per request.
 */
public final class DeadlineTimer {
  private final ConnectionDeadline deadline;
  // The one action for every exchange: no method reference made per request.
  private final Runnable fire = this::fire;
  private Exchange armedBy;

  public DeadlineTimer(EventExecutor executor) {
    this.deadline = new ConnectionDeadline(executor);
  }

  /** Calls {@link Exchange#onTimeout} in {@code delayNanos} unless the exchange disarms it. */
  void arm(Exchange exchange, long delayNanos) {
    armedBy = exchange;
    deadline.arm(exchange, fire, delayNanos);
  }

  private void fire() {
    Exchange e = armedBy;
    armedBy = null;
    if (e != null) {
      e.onTimeout();
    }
  }

  /**
   * Runs {@code onDue} in {@code delayNanos} unless {@code holder} disarms it first or another
   * holder arms it.
   */
  void arm(Object holder, Runnable onDue, long delayNanos) {
    deadline.arm(holder, onDue, delayNanos);
  }

  /** Forgets the action of {@code holder}; a later holder's stays. */
  void disarm(Object holder) {
    deadline.disarm(holder);
    if (armedBy == holder) {
      armedBy = null;
    }
  }

  /** Disarms and drops the scheduled timer (the connection has closed). */
  public void close() {
    deadline.close();
  }
}
