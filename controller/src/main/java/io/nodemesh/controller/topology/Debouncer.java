package io.nodemesh.controller.topology;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Objects;

/**
 * Coalesces bursts of triggers into one run of an action: the action runs {@code quiet} after the
 * last trigger, but never later than {@code maxDelay} after the first unhandled trigger, so
 * constant churn cannot starve the proxies of updates. Runs are never concurrent; a trigger during
 * a run causes one more run. The thread survives anything the action throws.
 */
public final class Debouncer implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(Debouncer.class.getName());

  private final long quietNanos;
  private final long maxDelayNanos;
  private final Runnable action;
  private final Thread thread;
  private long firstPending;
  private long due;
  private boolean pending;
  private boolean closed;

  public Debouncer(String name, Duration quiet, Duration maxDelay, Runnable action) {
    this.quietNanos = quiet.toNanos();
    this.maxDelayNanos = Math.max(maxDelay.toNanos(), quietNanos);
    this.action = Objects.requireNonNull(action, "action");
    this.thread = Thread.ofPlatform().daemon().name(name).start(this::loop);
  }

  /** Asks for a run; cheap and non-blocking. */
  public synchronized void trigger() {
    long now = System.nanoTime();
    if (!pending) {
      pending = true;
      firstPending = now;
    }
    due = Math.min(now + quietNanos, firstPending + maxDelayNanos);
    notifyAll();
  }

  private void loop() {
    while (true) {
      synchronized (this) {
        try {
          while (!closed && (!pending || System.nanoTime() < due)) {
            if (!pending) {
              wait();
            } else {
              long left = due - System.nanoTime();
              if (left > 0) {
                wait(left / 1_000_000, (int) (left % 1_000_000));
              }
            }
          }
        } catch (InterruptedException e) {
          return;
        }
        if (closed) {
          return;
        }
        pending = false;
      }
      try {
        action.run();
      } catch (Throwable t) {
        // Whatever the action throws, Errors included: this thread is the only one that runs it,
        // and a dead thread would leave the controller serving its last config for ever (issue
        // 13). The action itself decides what a failure means (Controller counts and retries).
        LOG.log(Level.ERROR, "debounced action failed", t);
      }
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    notifyAll();
    thread.interrupt();
  }
}
