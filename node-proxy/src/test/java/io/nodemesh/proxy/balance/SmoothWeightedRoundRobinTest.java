package io.nodemesh.proxy.balance;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SmoothWeightedRoundRobinTest {

  private static List<Integer> picks(SmoothWeightedRoundRobin wrr, int n) {
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(wrr.pick());
    }
    return out;
  }

  @Test
  void fiveOneOneFollowsTheNginxSequence() {
    SmoothWeightedRoundRobin wrr = new SmoothWeightedRoundRobin(new int[] {5, 1, 1});
    assertThat(picks(wrr, 14)).containsExactly(0, 0, 1, 0, 2, 0, 0, 0, 0, 1, 0, 2, 0, 0);
  }

  @Test
  void ninetyTenOverAThousandPicksIsExact() {
    SmoothWeightedRoundRobin wrr = new SmoothWeightedRoundRobin(new int[] {90, 10});
    List<Integer> p = picks(wrr, 1000);
    assertThat(p.stream().filter(i -> i == 0).count()).isEqualTo(900);
    assertThat(p.stream().filter(i -> i == 1).count()).isEqualTo(100);
    // Smooth: the light backend is never picked twice in a row.
    for (int i = 1; i < p.size(); i++) {
      assertThat(p.get(i) == 1 && p.get(i - 1) == 1).isFalse();
    }
  }

  @Test
  void weightZeroIsNeverPicked() {
    SmoothWeightedRoundRobin wrr = new SmoothWeightedRoundRobin(new int[] {0, 3, 0, 1});
    assertThat(picks(wrr, 400)).doesNotContain(0, 2).contains(1, 3);
  }

  @Test
  void allZeroPicksNothing() {
    assertThat(new SmoothWeightedRoundRobin(new int[] {0, 0}).pick()).isEqualTo(-1);
    assertThat(new SmoothWeightedRoundRobin(new int[] {}).pick()).isEqualTo(-1);
  }

  @Test
  void hugeWeightsAreScaledAndKeepTheirRatio() {
    int[] cycle = SmoothWeightedRoundRobin.cycle(new int[] {3_000_001, 999_999, 1});
    assertThat(cycle.length).isLessThanOrEqualTo(SmoothWeightedRoundRobin.MAX_CYCLE + 3);
    long a = java.util.Arrays.stream(cycle).filter(i -> i == 0).count();
    long b = java.util.Arrays.stream(cycle).filter(i -> i == 1).count();
    long c = java.util.Arrays.stream(cycle).filter(i -> i == 2).count();
    assertThat((double) a / b).isBetween(2.99, 3.01);
    assertThat(c).isEqualTo(1);
  }
}
