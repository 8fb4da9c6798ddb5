package io.nodemesh.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The propagation benchmark, small: three proxies really receive every change. */
class ConfigPropagationTest {
  @Test
  void everyProxyAppliesEveryChange() {
    ConfigPropagation.Result r = ConfigPropagation.measure(3, 20, 5);

    assertThat(r.changes()).isEqualTo(5);
    assertThat(r.p50Millis()).isPositive().isLessThanOrEqualTo(r.p99Millis());
    assertThat(r.maxMillis()).isGreaterThanOrEqualTo(r.p99Millis()).isLessThan(20_000);
    assertThat(r.line()).startsWith("bench=config-propagation proxies=3 services=20 changes=5 ");
  }

  @Test
  void forkedProxiesReceiveWholeConfigsWhenDeltasAreOff() {
    ConfigPropagation.Result r =
        ConfigPropagation.measure(2, 20, 3, ConfigPropagation.Delivery.FULL, true);

    assertThat(r.p50Millis()).isPositive();
    assertThat(r.line())
        .startsWith("bench=config-propagation proxies=2 services=20 changes=3 delivery=full ");
    assertThat(System.getProperty(ConfigPropagation.HISTORY_PROPERTY)).isNull();
  }

  @Test
  void percentileIsNearestRank() {
    double[] v = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    assertThat(ConfigPropagation.percentile(v, 0.5)).isEqualTo(5);
    assertThat(ConfigPropagation.percentile(v, 0.99)).isEqualTo(10);
  }
}
