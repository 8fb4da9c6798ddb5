package io.nodemesh.proxy.fault;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ShareTest {
  @Test
  void picksTheShareAskedForInEveryWindow() {
    for (double p : new double[] {0.5, 2.5, 10, 33.3, 50, 77, 99.9}) {
      Share s = new Share(p, Share.GOLDEN);
      for (int window = 0; window < 5; window++) {
        int picked = 0;
        for (int i = 0; i < 2000; i++) {
          picked += s.pick() ? 1 : 0;
        }
        // Within 0.5 point of the share over every 2,000 requests (a coin would be off by ~1).
        assertThat(Math.abs(picked / 20.0 - p)).as("share %s", p).isLessThan(0.5);
      }
    }
  }

  @Test
  void zeroAndHundredAreExact() {
    Share none = new Share(0, Share.SILVER);
    Share all = new Share(100, Share.SILVER);
    for (int i = 0; i < 1000; i++) {
      assertThat(none.pick()).isFalse();
      assertThat(all.pick()).isTrue();
    }
    assertThat(none.none()).isTrue();
  }

  /** Delay, abort, mirror and refused shares are drawn for the same requests: no two may agree. */
  @Test
  void theSequencesAreNotCorrelated() {
    long[] steps = {Share.GOLDEN, Share.SILVER, Share.BRONZE, Share.COPPER};
    for (int i = 0; i < steps.length; i++) {
      for (int j = i + 1; j < steps.length; j++) {
        Share a = new Share(30, steps[i]);
        Share b = new Share(30, steps[j]);
        int both = 0;
        for (int n = 0; n < 10_000; n++) {
          both += a.pick() & b.pick() ? 1 : 0;
        }
        // Independent 30% shares overlap on 9%.
        assertThat(both).as("steps %d and %d", i, j).isBetween(700, 1_100);
      }
    }
  }

  @Test
  void abortsGrpcWithTheMappedStatusWhenNoneIsGiven() {
    assertThat(FaultInjector.grpcOf(503)).isEqualTo(14);
    assertThat(FaultInjector.grpcOf(404)).isEqualTo(12);
    assertThat(FaultInjector.grpcOf(500)).isEqualTo(2);
  }
}
