package io.nodemesh.proxy.resilience;

import io.nodemesh.config.ServicePolicy;
import java.util.function.Consumer;

/**
 * A circuit breaker for one backend Service of one listener. Closed, it counts outcomes; it opens
 * after {@code consecutiveFailures} failures in a row, or when the share of failures in a sliding
 * window reaches {@code errorRatio} (once the window holds {@code minRequests}). Open, every
 * request is refused at once. After {@code openMillis} it is half-open: {@code halfOpenRequests}
 * probes go through; when they all succeed it closes, one failure opens it again.
 *
 * <p>Shared by the event loops; state changes under the monitor, which only callers of an enabled
 * breaker take.
 */
public final class CircuitBreaker {
  /** The breaker's answer to a request. */
  public enum Permit {
    /** Refused: the circuit is open. */
    DENIED,
    /** Admitted while closed. */
    CLOSED,
    /** Admitted as a half-open probe; its outcome decides the next state. */
    PROBE
  }

  /** Where the breaker is. */
  public enum State {
    CLOSED,
    OPEN,
    HALF_OPEN
  }

  static final int BUCKETS = 10;

  private final ServicePolicy.CircuitBreaker policy;
  private final long bucketNanos;
  private final long[] epochs = new long[BUCKETS];
  private final int[] requests = new int[BUCKETS];
  private final int[] failures = new int[BUCKETS];
  private State state = State.CLOSED;
  private int consecutive;
  private long openedAt;
  private int probesInFlight;
  private int probeSuccesses;
  private Consumer<Boolean> stateListener = open -> {};

  public CircuitBreaker(ServicePolicy.CircuitBreaker policy) {
    this.policy = policy;
    this.bucketNanos = Math.max(1, policy.windowMillis() * 1_000_000L / BUCKETS);
  }

  /**
   * Told {@code true} when the breaker opens and {@code false} when it closes (the latest config's
   * metrics; called under the breaker's monitor, so it must be quick).
   */
  public synchronized void onStateChange(Consumer<Boolean> listener) {
    this.stateListener = listener;
    listener.accept(state != State.CLOSED);
  }

  public ServicePolicy.CircuitBreaker policy() {
    return policy;
  }

  public synchronized State state(long now) {
    if (state == State.OPEN && openElapsed(now)) {
      return State.HALF_OPEN;
    }
    return state;
  }

  /** Asks to send one request. */
  public synchronized Permit tryAcquire(long now) {
    if (state == State.CLOSED) {
      return Permit.CLOSED;
    }
    if (state == State.OPEN) {
      if (!openElapsed(now)) {
        return Permit.DENIED;
      }
      state = State.HALF_OPEN;
      probesInFlight = 0;
      probeSuccesses = 0;
    }
    if (probesInFlight + probeSuccesses < policy.halfOpenRequests()) {
      probesInFlight++;
      return Permit.PROBE;
    }
    return Permit.DENIED;
  }

  public synchronized void onSuccess(Permit permit, long now) {
    if (permit == Permit.PROBE) {
      if (state != State.HALF_OPEN) {
        return;
      }
      probesInFlight--;
      probeSuccesses++;
      if (probeSuccesses >= policy.halfOpenRequests()) {
        close();
      }
      return;
    }
    if (permit == Permit.CLOSED && state == State.CLOSED) {
      consecutive = 0;
      requests[bucket(now)]++;
    }
  }

  public synchronized void onFailure(Permit permit, long now) {
    if (permit == Permit.PROBE) {
      if (state == State.HALF_OPEN) {
        open(now);
      }
      return;
    }
    if (permit != Permit.CLOSED || state != State.CLOSED) {
      return;
    }
    consecutive++;
    int b = bucket(now);
    requests[b]++;
    failures[b]++;
    if (policy.consecutiveFailures() > 0 && consecutive >= policy.consecutiveFailures()) {
      open(now);
      return;
    }
    if (policy.errorRatio() > 0) {
      int req = 0;
      int fail = 0;
      for (int i = 0; i < BUCKETS; i++) {
        req += requests[i];
        fail += failures[i];
      }
      if (req >= policy.minRequests() && fail >= policy.errorRatio() * req) {
        open(now);
      }
    }
  }

  /** A request ended without an outcome (the client left): frees its probe slot. */
  public synchronized void onAbandoned(Permit permit) {
    if (permit == Permit.PROBE && state == State.HALF_OPEN && probesInFlight > 0) {
      probesInFlight--;
    }
  }

  private boolean openElapsed(long now) {
    return now - openedAt >= policy.openMillis() * 1_000_000L;
  }

  private void open(long now) {
    state = State.OPEN;
    openedAt = now;
    resetCounts();
    stateListener.accept(true);
  }

  private void close() {
    state = State.CLOSED;
    resetCounts();
    stateListener.accept(false);
  }

  private void resetCounts() {
    consecutive = 0;
    probesInFlight = 0;
    probeSuccesses = 0;
    java.util.Arrays.fill(requests, 0);
    java.util.Arrays.fill(failures, 0);
  }

  private int bucket(long now) {
    long epoch = Math.floorDiv(now, bucketNanos);
    int i = (int) Math.floorMod(epoch, (long) BUCKETS);
    for (int j = 0; j < BUCKETS; j++) {
      if (epochs[j] != epoch && epoch - epochs[j] >= BUCKETS) {
        requests[j] = 0;
        failures[j] = 0;
      }
    }
    if (epochs[i] != epoch) {
      epochs[i] = epoch;
      requests[i] = 0;
      failures[i] = 0;
    }
    return i;
  }
}
