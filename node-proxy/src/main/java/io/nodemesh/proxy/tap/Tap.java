package io.nodemesh.proxy.tap;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * One open tap: its filter, its rate limit and the events waiting for its reader. Event loops
 * offer; one reader takes. Matching events beyond the rate, or beyond what the queue holds while
 * the reader is slow, are dropped and counted, so a tap never slows the requests it watches nor
 * holds more than {@link #QUEUE} events.
 */
public final class Tap implements AutoCloseable {
  /** Events held at most for a slow reader. */
  public static final int QUEUE = 1024;

  private final TapFilter filter;
  private final int perSecond;
  private final Taps owner;
  private final BlockingQueue<TapEvent> queue = new ArrayBlockingQueue<>(QUEUE);
  private final LongAdder dropped = new LongAdder();
  private final LongAdder matched = new LongAdder();
  // Token bucket of perSecond tokens, refilled continuously; guarded by this.
  private double tokens;
  private long refilledNanos = System.nanoTime();

  Tap(Taps owner, TapFilter filter, int perSecond) {
    this.owner = owner;
    this.filter = filter;
    this.perSecond = perSecond;
    this.tokens = perSecond;
  }

  public TapFilter filter() {
    return filter;
  }

  /** Events per second this tap passes at most. */
  public int perSecond() {
    return perSecond;
  }

  /** Called by the request path for every finished request while this tap is open. */
  void offer(TapEvent e) {
    if (!filter.matches(e)) {
      return;
    }
    matched.increment();
    if (!take() || !queue.offer(e)) {
      dropped.increment();
    }
  }

  private synchronized boolean take() {
    long now = System.nanoTime();
    tokens = Math.min(perSecond, tokens + (now - refilledNanos) * perSecond / 1e9);
    refilledNanos = now;
    if (tokens < 1) {
      return false;
    }
    tokens -= 1;
    return true;
  }

  /** The next event, or null when none came within the wait. */
  public TapEvent poll(long timeout, TimeUnit unit) throws InterruptedException {
    return queue.poll(timeout, unit);
  }

  /** Events waiting for the reader. */
  public int pending() {
    return queue.size();
  }

  /** Matching requests not passed on (over the rate, or the reader fell behind). */
  public long dropped() {
    return dropped.sum();
  }

  /** Matching requests seen, passed on or not. */
  public long matched() {
    return matched.sum();
  }

  /** Detaches the tap; the request path stops seeing it. */
  @Override
  public void close() {
    owner.remove(this);
  }
}
