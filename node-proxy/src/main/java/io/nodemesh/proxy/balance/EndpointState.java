package io.nodemesh.proxy.balance;

import io.nodemesh.config.ServicePolicy;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the proxy has learned about one endpoint ({@code ip:port}): requests in flight, a peak EWMA
 * of its latency, and passive outlier ejection. It outlives configs (kept by {@link
 * EndpointRegistry} while the endpoint is listed), so an endpoint update does not forget that a pod
 * was failing. Shared by all event loops: counters are atomic, the EWMA and ejection are updated
 * under the object's monitor and read without it (a stale read only skews one pick).
 */
public final class EndpointState {
  /** Decay time of the latency EWMA (Finagle's default). */
  static final double DECAY_NANOS = 10e9;

  /** Score of an endpoint with requests in flight but no latency measured yet. */
  private static final double PENALTY = 1e12;

  /** An ejection lasts the base time multiplied by at most this. */
  static final int MAX_EJECTION_MULTIPLIER = 10;

  private final Target target;
  private final AtomicInteger outstanding = new AtomicInteger();
  private final AtomicInteger consecutiveFailures = new AtomicInteger();
  private volatile double ewmaNanos;
  private volatile long ewmaStamp;
  private volatile long ejectedUntil;
  private volatile boolean ejected;
  private int ejections;

  public EndpointState(Target target) {
    this.target = target;
  }

  public Target target() {
    return target;
  }

  public int outstanding() {
    return outstanding.get();
  }

  /** A request to this endpoint begins (least-request, EWMA). */
  public void started() {
    outstanding.incrementAndGet();
  }

  /** A request to this endpoint has ended. */
  public void ended() {
    outstanding.decrementAndGet();
  }

  /** Feeds one observed latency (time to the response head) into the peak EWMA. */
  public synchronized void observe(long latencyNanos, long now) {
    double cost = decayed(now);
    if (latencyNanos > cost) {
      cost = latencyNanos;
    } else {
      double w = Math.exp(-Math.max(0, now - ewmaStamp) / DECAY_NANOS);
      cost = cost * w + latencyNanos * (1 - w);
    }
    ewmaNanos = cost;
    ewmaStamp = now;
  }

  /** The EWMA decayed towards 0 since its last update, so an idle endpoint is tried again. */
  private double decayed(long now) {
    double c = ewmaNanos;
    if (c == 0) {
      return 0;
    }
    return c * Math.exp(-Math.max(0, now - ewmaStamp) / DECAY_NANOS);
  }

  /** Peak EWMA cost: latency times (requests in flight + 1); lower is better. */
  double ewmaScore(long now) {
    double cost = decayed(now);
    int n = outstanding.get();
    if (cost == 0) {
      return n == 0 ? 0 : PENALTY + n;
    }
    return cost * (n + 1);
  }

  /** Whether outlier ejection keeps the endpoint out of balancing at {@code now}. */
  public boolean isEjected(long now) {
    return ejected && now - ejectedUntil < 0;
  }

  /** A success: the failure streak ends; an endpoint back from ejection long enough is forgiven. */
  public void onSuccess(long now, ServicePolicy.Outlier policy) {
    consecutiveFailures.set(0);
    if (ejected && now - ejectedUntil >= policy.ejectionMillis() * 1_000_000L) {
      synchronized (this) {
        ejected = false;
        ejections = 0;
      }
    }
  }

  /**
   * A failure (connect error, reset, timeout or 5xx). Ejects the endpoint when the streak reaches
   * the policy's threshold and {@code mayEject} (the backend's max ejection percent allows one
   * more).
   *
   * @return true when this failure ejected it
   */
  public boolean onFailure(long now, ServicePolicy.Outlier policy, boolean mayEject) {
    int streak = consecutiveFailures.incrementAndGet();
    if (policy.consecutiveFailures() == 0
        || streak < policy.consecutiveFailures()
        || !mayEject
        || isEjected(now)) {
      return false;
    }
    synchronized (this) {
      if (isEjected(now)) {
        return false;
      }
      ejections = Math.min(ejections + 1, MAX_EJECTION_MULTIPLIER);
      ejectedUntil = now + policy.ejectionMillis() * 1_000_000L * ejections;
      ejected = true;
      consecutiveFailures.set(0);
      return true;
    }
  }

  @Override
  public String toString() {
    return target.authority();
  }
}
