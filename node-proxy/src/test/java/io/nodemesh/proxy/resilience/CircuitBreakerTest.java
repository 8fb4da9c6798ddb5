package io.nodemesh.proxy.resilience;

import static io.nodemesh.proxy.resilience.CircuitBreaker.Permit.CLOSED;
import static io.nodemesh.proxy.resilience.CircuitBreaker.Permit.DENIED;
import static io.nodemesh.proxy.resilience.CircuitBreaker.Permit.PROBE;
import static org.assertj.core.api.Assertions.assertThat;

import io.nodemesh.config.ServicePolicy;
import org.junit.jupiter.api.Test;

class CircuitBreakerTest {
  static final long MS = 1_000_000L;

  @Test
  void opensOnConsecutiveFailuresAndRecoversThroughHalfOpen() {
    CircuitBreaker b = new CircuitBreaker(new ServicePolicy.CircuitBreaker(3, 0, 0, 0, 1000, 2));
    long t = 0;
    for (int i = 0; i < 2; i++) {
      assertThat(b.tryAcquire(t)).isEqualTo(CLOSED);
      b.onFailure(CLOSED, t);
    }
    b.onSuccess(CLOSED, t);
    for (int i = 0; i < 3; i++) {
      b.onFailure(b.tryAcquire(t), t);
    }
    assertThat(b.state(t)).isEqualTo(CircuitBreaker.State.OPEN);
    assertThat(b.tryAcquire(t + 999 * MS)).isEqualTo(DENIED);

    long half = t + 1000 * MS;
    assertThat(b.tryAcquire(half)).isEqualTo(PROBE);
    assertThat(b.tryAcquire(half)).isEqualTo(PROBE);
    assertThat(b.tryAcquire(half)).as("only two probes at once").isEqualTo(DENIED);
    b.onSuccess(PROBE, half);
    assertThat(b.state(half)).isEqualTo(CircuitBreaker.State.HALF_OPEN);
    b.onSuccess(PROBE, half);
    assertThat(b.state(half)).isEqualTo(CircuitBreaker.State.CLOSED);
    assertThat(b.tryAcquire(half)).isEqualTo(CLOSED);
  }

  /** A breaker that opens after one failure for 1 s, with one probe; opened at time 0. */
  private static CircuitBreaker openedByOneFailure() {
    CircuitBreaker b = new CircuitBreaker(new ServicePolicy.CircuitBreaker(1, 0, 0, 0, 1000, 1));
    b.onFailure(b.tryAcquire(0), 0);
    return b;
  }

  @Test
  void aFailedProbeOpensItAgainForAnotherPeriod() {
    CircuitBreaker b = openedByOneFailure();
    long half = 1000 * MS;
    assertThat(b.tryAcquire(half)).isEqualTo(PROBE);
    b.onFailure(PROBE, half);
    assertThat(b.tryAcquire(half + 999 * MS)).isEqualTo(DENIED);
    assertThat(b.tryAcquire(half + 1000 * MS)).isEqualTo(PROBE);
  }

  @Test
  void anAbandonedProbeFreesItsSlot() {
    CircuitBreaker b = openedByOneFailure();
    long half = 1000 * MS;
    assertThat(b.tryAcquire(half)).isEqualTo(PROBE);
    assertThat(b.tryAcquire(half)).isEqualTo(DENIED);
    b.onAbandoned(PROBE);
    assertThat(b.tryAcquire(half)).isEqualTo(PROBE);
  }

  @Test
  void opensOnErrorRatioOnceTheWindowHoldsEnoughRequests() {
    CircuitBreaker b =
        new CircuitBreaker(new ServicePolicy.CircuitBreaker(0, 0.5, 10, 10_000, 1000, 1));
    long t = 0;
    // 4 failures out of 8: ratio reached but too few requests.
    for (int i = 0; i < 4; i++) {
      b.onSuccess(b.tryAcquire(t), t);
      b.onFailure(b.tryAcquire(t), t);
    }
    assertThat(b.state(t)).isEqualTo(CircuitBreaker.State.CLOSED);
    b.onSuccess(b.tryAcquire(t), t);
    b.onFailure(b.tryAcquire(t), t);
    assertThat(b.state(t)).isEqualTo(CircuitBreaker.State.OPEN);
  }

  @Test
  void oldFailuresLeaveTheWindow() {
    CircuitBreaker b =
        new CircuitBreaker(new ServicePolicy.CircuitBreaker(0, 0.5, 4, 1000, 1000, 1));
    b.onFailure(b.tryAcquire(0), 0);
    b.onFailure(b.tryAcquire(0), 0);
    b.onFailure(b.tryAcquire(0), 0);
    long later = 2000 * MS;
    for (int i = 0; i < 3; i++) {
      b.onSuccess(b.tryAcquire(later), later);
    }
    b.onFailure(b.tryAcquire(later), later);
    assertThat(b.state(later)).isEqualTo(CircuitBreaker.State.CLOSED);
  }
}
