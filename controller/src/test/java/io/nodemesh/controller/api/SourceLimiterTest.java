package io.nodemesh.controller.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SourceLimiterTest {
  final AtomicLong clock = new AtomicLong(5_000);
  final SourceLimiter limiter = new SourceLimiter(clock::get);

  int granted(String source, int tries) {
    int n = 0;
    for (int i = 0; i < tries; i++) {
      n += limiter.tryAcquire(source) ? 1 : 0;
    }
    return n;
  }

  @Test
  void aBurstThenOneASecondPerSource() {
    assertThat(granted("10.0.0.1", 100)).isEqualTo(SourceLimiter.BURST);
    assertThat(granted("10.0.0.2", 100))
        .as("another source has its own bucket")
        .isEqualTo(SourceLimiter.BURST);

    clock.addAndGet(SourceLimiter.REFILL_NANOS * 3);
    assertThat(granted("10.0.0.1", 100)).isEqualTo(3);

    clock.addAndGet(SourceLimiter.REFILL_NANOS * 1_000);
    assertThat(granted("10.0.0.1", 100))
        .as("never more than the burst")
        .isEqualTo(SourceLimiter.BURST);
  }

  @Test
  void manySourcesStayBounded() {
    for (int i = 0; i < SourceLimiter.MAX_SOURCES * 3; i++) {
      limiter.tryAcquire("src-" + i);
      assertThat(limiter.sources()).isLessThanOrEqualTo(SourceLimiter.MAX_SOURCES);
    }
    // Bounded memory: old idle buckets are dropped; a fresh source still gets its burst.
    assertThat(granted("fresh", 100)).isEqualTo(SourceLimiter.BURST);
  }
}
