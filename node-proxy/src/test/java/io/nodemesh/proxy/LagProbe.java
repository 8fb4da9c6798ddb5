package io.nodemesh.proxy;

import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Schedules a tick on every event loop every few milliseconds and records how late ticks run: a
 * blocked event loop shows up as a large lag.
 */
final class LagProbe implements AutoCloseable {
  private static final long PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
  private final AtomicLong maxLagNanos = new AtomicLong();
  private final AtomicLong ticks = new AtomicLong();
  private final List<ScheduledFuture<?>> futures = new ArrayList<>();

  LagProbe(EventLoopGroup group) {
    for (EventExecutor loop : group) {
      long[] expected = {System.nanoTime() + PERIOD_NANOS};
      futures.add(
          loop.scheduleAtFixedRate(
              () -> {
                long now = System.nanoTime();
                maxLagNanos.accumulateAndGet(now - expected[0], Math::max);
                ticks.incrementAndGet();
                expected[0] = now + PERIOD_NANOS;
              },
              PERIOD_NANOS,
              PERIOD_NANOS,
              TimeUnit.NANOSECONDS));
    }
  }

  long maxLagMillis() {
    return TimeUnit.NANOSECONDS.toMillis(maxLagNanos.get());
  }

  long ticks() {
    return ticks.get();
  }

  @Override
  public void close() {
    futures.forEach(f -> f.cancel(false));
  }
}
