package io.nodemesh.proxy.tap;

import java.util.Arrays;

/**
 * The taps open on this proxy. The request path asks {@link #on()} once per request, a single
 * volatile read that is false while nobody taps; only then does it build a {@link TapEvent}.
 */
public final class Taps {
  /** Taps open at once at most; more are refused, so tapping cannot be used to load the proxy. */
  public static final int MAX_OPEN = 8;

  /** Events per second a tap passes at most, whatever it asks for. */
  public static final int MAX_RATE = 1000;

  private static final Tap[] NONE = new Tap[0];

  // Copy on write: opened and closed rarely, read on every request.
  private volatile Tap[] open = NONE;

  /** Whether any tap is open: the one check the request path makes when nobody taps. */
  public boolean on() {
    return open.length != 0;
  }

  /**
   * Opens a tap.
   *
   * @param perSecond events per second passed at most, 1..{@link #MAX_RATE}
   * @throws IllegalArgumentException when the rate is out of range
   * @throws IllegalStateException when {@link #MAX_OPEN} taps are open already
   */
  public synchronized Tap open(TapFilter filter, int perSecond) {
    if (perSecond < 1 || perSecond > MAX_RATE) {
      throw new IllegalArgumentException("tap rate must be 1.." + MAX_RATE + " events per second");
    }
    Tap[] now = open;
    if (now.length >= MAX_OPEN) {
      throw new IllegalStateException(MAX_OPEN + " taps are open on this proxy already");
    }
    Tap t = new Tap(this, filter, perSecond);
    Tap[] next = Arrays.copyOf(now, now.length + 1);
    next[now.length] = t;
    open = next;
    return t;
  }

  synchronized void remove(Tap t) {
    Tap[] now = open;
    int i = Arrays.asList(now).indexOf(t);
    if (i < 0) {
      return;
    }
    Tap[] next = new Tap[now.length - 1];
    System.arraycopy(now, 0, next, 0, i);
    System.arraycopy(now, i + 1, next, i, now.length - i - 1);
    open = next;
  }

  /** Taps open now. */
  public int count() {
    return open.length;
  }

  /** Hands a finished request to every open tap (each filters and limits for itself). */
  public void publish(TapEvent e) {
    for (Tap t : open) {
      t.offer(e);
    }
  }
}
