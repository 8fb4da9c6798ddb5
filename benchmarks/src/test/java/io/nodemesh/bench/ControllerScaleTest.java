package io.nodemesh.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The scale benchmark on a small cluster: it compiles what it generates and reports sane sizes. */
class ControllerScaleTest {
  @Test
  void measuresASmallClusterAndEveryServiceBecomesAListener() {
    ControllerScale.Result r = ControllerScale.measure(new SyntheticCluster(200, 5, 20), 2);

    assertThat(r.listeners()).isEqualTo(200);
    assertThat(r.endpoints()).isEqualTo(1000);
    assertThat(r.fullCompileMillis()).isPositive();
    assertThat(r.oneChangeMillis()).isPositive();
    assertThat(r.configGzipBytes()).isPositive().isLessThan(r.configBytes());
    // One EndpointSlice changed: one listener travels, not 200.
    assertThat(r.deltaBytes()).isPositive().isLessThan(r.configBytes() / 50);
    assertThat(r.line()).contains(" delta_wire_bytes=" + r.deltaBytes());
    assertThat(r.line())
        .startsWith("bench=controller-scale services=200 endpoints=1000 splits=20 listeners=200 ");
  }

  @Test
  void refusesMoreSplitsThanTheServicesCanRoot() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new SyntheticCluster(100, 1, 11))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("splits 11");
  }
}
