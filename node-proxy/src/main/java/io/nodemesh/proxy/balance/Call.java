package io.nodemesh.proxy.balance;

import io.nodemesh.config.ServicePolicy;
import io.nodemesh.proxy.resilience.Backoff;
import io.nodemesh.proxy.resilience.CircuitBreaker;
import io.nodemesh.proxy.resilience.Failure;
import io.nodemesh.proxy.resilience.RetryBudget;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.IntPredicate;
import java.util.function.Predicate;

/**
 * One request (or TCP connection) on its way to a backend Service: the endpoint of the current
 * attempt, the outcomes fed back into balancing, outlier ejection and the circuit breaker, and the
 * retry decision. Used by one event loop at a time; the shared states it updates are thread-safe.
 *
 * <p>Retry rules: at most {@code retry-attempts} retries, each one taken from the listener's retry
 * budget, none past the request deadline. A connect failure may be retried for any method (nothing
 * reached the backend); a reset, a timeout or a 502/503/504 only for an idempotent method (RFC 9110
 * §9.2.2) whose request the caller can still replay. A retry prefers an endpoint the request has
 * not failed on yet.
 */
public final class Call {
  private final String service;
  private final CompiledBackend backend;
  private final ServicePolicy policy;
  private final CircuitBreaker breaker;
  private final RetryBudget budget;
  private final OptionalLong key;
  private final boolean idempotent;
  // The endpoints tried, made on the first retry: a request that is not retried (nearly all) only
  // has current.
  private List<EndpointState> tried;
  private EndpointState current;
  private CircuitBreaker.Permit permit;
  private long attemptStart;
  private boolean attemptOpen;
  private boolean outcomeRecorded;
  private int retries;
  private Predicate<EndpointState> only;
  private IntPredicate retryStatuses;

  Call(
      String service,
      CompiledBackend backend,
      ServicePolicy policy,
      CircuitBreaker breaker,
      CircuitBreaker.Permit permit,
      RetryBudget budget,
      OptionalLong key,
      boolean idempotent,
      EndpointState first,
      long now) {
    this.service = service;
    this.backend = backend;
    this.policy = policy;
    this.breaker = breaker;
    this.budget = budget;
    this.key = key;
    this.idempotent = idempotent;
    if (budget != null) {
      budget.onRequest(now);
    }
    begin(first, permit, now);
  }

  /**
   * Starts a call at {@code first}, whose breaker permit (if any) the caller already holds.
   *
   * @param idempotent whether the request's method is idempotent (false for TCP)
   */
  public static Call start(
      String service,
      CompiledBackend backend,
      ServicePolicy policy,
      CircuitBreaker breaker,
      CircuitBreaker.Permit permit,
      RetryBudget budget,
      OptionalLong key,
      boolean idempotent,
      EndpointState first) {
    return start(service, backend, policy, breaker, permit, budget, key, idempotent, first, null);
  }

  /**
   * As above, with retries only to the endpoints {@code only} accepts (the pods the caller may
   * reach), or to any when null.
   */
  public static Call start(
      String service,
      CompiledBackend backend,
      ServicePolicy policy,
      CircuitBreaker breaker,
      CircuitBreaker.Permit permit,
      RetryBudget budget,
      OptionalLong key,
      boolean idempotent,
      EndpointState first,
      Predicate<EndpointState> only) {
    Call c =
        new Call(
            service,
            backend,
            policy,
            breaker,
            permit,
            budget,
            key,
            idempotent,
            first,
            System.nanoTime());
    c.only = only;
    return c;
  }

  private void begin(EndpointState e, CircuitBreaker.Permit p, long now) {
    current = e;
    permit = p;
    attemptStart = now;
    attemptOpen = true;
    outcomeRecorded = false;
    if (tried != null) {
      tried.add(e);
    }
    e.started();
  }

  public String service() {
    return service;
  }

  /** The endpoint of the current attempt. */
  public Target target() {
    return current.target();
  }

  public ServicePolicy policy() {
    return policy;
  }

  /** Retries done so far. */
  public int retries() {
    return retries;
  }

  /** The connect timeout in ms: the Service's, else {@code fallbackMillis}. */
  public long connectTimeoutMillis(long fallbackMillis) {
    long v = policy.timeouts().connectMillis();
    return v > 0 ? v : fallbackMillis;
  }

  /** The request timeout in ns: the Service's, else {@code fallbackNanos}. */
  public long requestTimeoutNanos(long fallbackNanos) {
    long v = policy.timeouts().requestMillis();
    return v > 0 ? v * 1_000_000L : fallbackNanos;
  }

  /** The per-try timeout in ns, or 0 when only the request timeout applies. */
  public long perTryTimeoutNanos() {
    return policy.retry().attempts() > 0 ? policy.retry().perTryMillis() * 1_000_000L : 0;
  }

  /**
   * Whether the caller should keep a copy of the request to replay it: retries are on and the
   * method may be retried after it reached a backend.
   */
  public boolean wantsReplay() {
    return idempotent && policy.retry().attempts() > 0;
  }

  /** The response head arrived with {@code status}: feeds latency and the outcome. */
  public void responded(int status, long now) {
    if (!attemptOpen || outcomeRecorded) {
      return;
    }
    if (policy.balancing().policy() == ServicePolicy.LbPolicy.EWMA) {
      // Only the latency-aware balancer reads it; the others skip the update's monitor.
      current.observe(now - attemptStart, now);
    }
    if (status >= 500) {
      recordFailure(now);
    } else {
      outcomeRecorded = true;
      backend.onSuccess(current, now);
      if (breaker != null) {
        breaker.onSuccess(permit, now);
      }
    }
  }

  /**
   * Retries the response statuses {@code statuses} accepts instead of 502, 503 and 504 (a Gateway
   * API rule's {@code retry.codes}); null restores those.
   */
  public void retryStatuses(IntPredicate statuses) {
    retryStatuses = statuses;
  }

  /** Whether a response with {@code status} is retried when the other retry rules allow it. */
  public boolean retriesStatus(int status) {
    return retryStatuses == null
        ? status == 502 || status == 503 || status == 504
        : retryStatuses.test(status);
  }

  /** A TCP connection to the endpoint is established: a success for balancing and breaker. */
  public void connected(long now) {
    responded(0, now);
  }

  /** The current attempt failed and will not be retried; records it and ends the attempt. */
  public void failed(Failure failure, long now) {
    if (!attemptOpen) {
      return;
    }
    if (!outcomeRecorded) {
      recordFailure(now);
    }
    endAttempt();
  }

  /**
   * The current attempt failed: records it, and when a retry is allowed starts the next attempt
   * (its endpoint is then {@link #target()}).
   *
   * @param replayable whether the caller can send the whole request again (always true for {@link
   *     Failure#CONNECT}, where nothing was sent)
   * @param deadline {@link System#nanoTime()} after which no attempt may start; Long.MAX_VALUE when
   *     none
   * @return the backoff to wait before the next attempt in ns, or -1 when there is none
   */
  public long retryAfter(Failure failure, boolean replayable, long deadline, long now) {
    failed(failure, now);
    if (retries >= policy.retry().attempts()) {
      return -1;
    }
    if (failure.reachedBackend() && !(idempotent && replayable)) {
      return -1;
    }
    long delay =
        Backoff.delayNanos(
            policy.retry().backoffBaseMillis(), policy.retry().backoffMaxMillis(), retries);
    if (deadline != Long.MAX_VALUE && now + delay - deadline >= 0) {
      return -1;
    }
    if (tried == null) {
      tried = new ArrayList<>(2);
      tried.add(current);
    }
    EndpointState next = backend.choose(key, tried, now, only);
    if (next == null) {
      return -1;
    }
    CircuitBreaker.Permit p = breaker == null ? null : breaker.tryAcquire(now);
    if (p == CircuitBreaker.Permit.DENIED) {
      return -1;
    }
    if (budget != null && !budget.tryRetry(now)) {
      if (breaker != null) {
        breaker.onAbandoned(p);
      }
      return -1;
    }
    retries++;
    begin(next, p, now);
    return delay;
  }

  /** The call is over (response complete, aborted, or the client left). Idempotent. */
  public void done() {
    if (!attemptOpen) {
      return;
    }
    if (!outcomeRecorded && breaker != null) {
      breaker.onAbandoned(permit);
    }
    endAttempt();
  }

  private void recordFailure(long now) {
    outcomeRecorded = true;
    backend.onFailure(current, now);
    if (breaker != null) {
      breaker.onFailure(permit, now);
    }
  }

  private void endAttempt() {
    attemptOpen = false;
    current.ended();
  }
}
