package io.nodemesh.proxy.mirror;

import io.nodemesh.proxy.balance.CompiledBackend;
import io.nodemesh.proxy.fault.Share;
import io.nodemesh.proxy.metrics.RouteMeters;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One RequestMirror filter: which requests are copied, and how many copies may be in flight. A copy
 * is fire-and-forget: the caller never waits for it, and its answer, slowness or failure never
 * reaches the caller. What bounds it is this gate: at most {@link #MAX_IN_FLIGHT} copies of the
 * rule at once (a hanging mirror fills them and further copies are dropped, counted), a body of at
 * most {@link #MAX_BODY_BYTES} (a larger one is dropped, not streamed, so a slow mirror can never
 * push back on the caller's upload), and {@link #TIMEOUT_MILLIS} per copy.
 */
public final class MirrorGate {
  /** Copies of one rule in flight on one proxy. */
  public static final int MAX_IN_FLIGHT = 64;

  /** Largest request body copied. */
  public static final int MAX_BODY_BYTES = 64 * 1024;

  /** A copy not answered within this time is closed and counted as failed. */
  public static final long TIMEOUT_MILLIS = 10_000;

  private final CompiledBackend backend;
  private final Share share;
  private final RouteMeters.Meter meter;
  private final AtomicInteger inFlight = new AtomicInteger();

  public MirrorGate(CompiledBackend backend, double percent, RouteMeters.Meter meter) {
    this.backend = backend;
    // Not the delay's sequence: both are drawn once per forwarded request, and the same sequence
    // would delay exactly the mirrored requests.
    this.share = new Share(percent, Share.BRONZE);
    this.meter = meter;
  }

  /** The mirror Service with its endpoints. */
  public CompiledBackend backend() {
    return backend;
  }

  /** Whether this request is to be copied (draws once). */
  public boolean wanted() {
    return share.pick();
  }

  /**
   * Takes a slot for one copy; false (and counted as dropped) when {@link #MAX_IN_FLIGHT} are in
   * flight already. A taken slot must be given back with {@link #finished}.
   */
  public boolean tryStart() {
    if (inFlight.incrementAndGet() > MAX_IN_FLIGHT) {
      inFlight.decrementAndGet();
      dropped();
      return false;
    }
    return true;
  }

  /** A copy has ended. */
  public void finished(boolean ok) {
    inFlight.decrementAndGet();
    if (meter != null) {
      if (ok) {
        meter.mirrorSent();
      } else {
        meter.mirrorFailed();
      }
    }
  }

  /** A copy was given up before it started (its body was too large). */
  public void dropped() {
    if (meter != null) {
      meter.mirrorDropped();
    }
  }

  /** Copies in flight now (tests). */
  public int inFlight() {
    return inFlight.get();
  }
}
