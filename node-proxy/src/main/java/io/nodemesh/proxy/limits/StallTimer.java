package io.nodemesh.proxy.limits;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * One deadline of a connection or stream (a request head, a body stall): at most one pending at a
 * time, on the channel's event loop, so it needs no synchronisation.
 */
final class StallTimer {
  private ScheduledFuture<?> pending;

  boolean running() {
    return pending != null;
  }

  /** Runs {@code onDue} after {@code delay}, replacing a deadline already running. */
  void start(EventExecutor executor, Runnable onDue, Duration delay) {
    cancel();
    pending =
        executor.schedule(
            () -> {
              pending = null;
              onDue.run();
            },
            delay.toNanos(),
            TimeUnit.NANOSECONDS);
  }

  void cancel() {
    if (pending != null) {
      pending.cancel(false);
      pending = null;
    }
  }
}
