package io.nodemesh.controller.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class DebouncerTest {
  @Test
  void aBurstRunsOnce() {
    AtomicInteger runs = new AtomicInteger();
    try (Debouncer d =
        new Debouncer("t", Duration.ofMillis(100), Duration.ofSeconds(5), runs::incrementAndGet)) {
      for (int i = 0; i < 50; i++) {
        d.trigger();
      }
      await().atMost(Duration.ofSeconds(2)).until(() -> runs.get() == 1);
      await()
          .during(Duration.ofMillis(300))
          .atMost(Duration.ofSeconds(1))
          .until(() -> runs.get() == 1);
    }
  }

  @Test
  void constantChurnStillRunsWithinMaxDelay() {
    AtomicInteger runs = new AtomicInteger();
    try (Debouncer d =
        new Debouncer("t", Duration.ofMillis(200), Duration.ofMillis(400), runs::incrementAndGet)) {
      long start = System.nanoTime();
      // Triggers every ~10 ms would postpone a pure quiet-period debounce forever.
      await()
          .pollInterval(Duration.ofMillis(10))
          .atMost(Duration.ofSeconds(2))
          .until(
              () -> {
                d.trigger();
                return runs.get() >= 1;
              });
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(1500));
    }
  }

  @Test
  void theThreadSurvivesAnErrorFromTheAction() {
    // Issue 13: it caught only RuntimeException, so one Error ended compiling for good.
    AtomicInteger runs = new AtomicInteger();
    Runnable action =
        () -> {
          if (runs.incrementAndGet() == 1) {
            throw new StackOverflowError("first run");
          }
        };
    try (Debouncer d = new Debouncer("t", Duration.ZERO, Duration.ZERO, action)) {
      d.trigger();
      await().atMost(Duration.ofSeconds(5)).until(() -> runs.get() == 1);
      d.trigger();
      await().atMost(Duration.ofSeconds(5)).until(() -> runs.get() == 2);
    }
  }
}
