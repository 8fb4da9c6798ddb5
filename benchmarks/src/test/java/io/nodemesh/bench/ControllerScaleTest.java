package io.nodemesh.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The scale benchmark on a small cluster: it compiles what it generates and reports sane sizes. */
class ControllerScaleTest {
  @Test
  void measuresASmallClusterAndEveryServiceBecomesAListener() {
    ControllerScale.Result r = ControllerScale.measure(new SyntheticCluster(200, 5, 20), 2);

    // The 200 Services, plus the 2 * rounds added by the service-add changes.
    assertThat(r.listeners()).isEqualTo(204);
    assertThat(r.pods()).isEqualTo(1000);
    assertThat(r.endpoints()).isEqualTo(1000);
    assertThat(r.fullCompileMillis()).isPositive();
    assertThat(r.oneChangeMillis()).isPositive();
    assertThat(r.configGzipBytes()).isPositive().isLessThan(r.configBytes());
    // One EndpointSlice changed: one listener travels, not 200.
    assertThat(r.deltaBytes()).isPositive().isLessThan(r.configBytes() / 50);
    assertThat(r.deltaGzipBytes()).isPositive().isLessThan(r.deltaBytes());
    assertThat(r.line()).contains(" delta_wire_bytes=" + r.deltaGzipBytes());
    assertThat(r.line())
        .startsWith("bench=controller-scale services=200 endpoints=1000 splits=20 listeners=204 ");
    assertThat(r.changes())
        .extracting(ControllerScale.Change::kind)
        .containsExactlyElementsOf(ControllerScale.CHANGES);
    assertThat(r.changes())
        .allSatisfy(
            c -> {
              assertThat(c.incrementalMillis()).isPositive();
              assertThat(c.scratchMillis()).isPositive();
            });
    assertThat(r.changeLines())
        .hasSize(4)
        .allSatisfy(
            l ->
                assertThat(l)
                    .startsWith("bench=controller-change services=200 endpoints=1000 splits=20")
                    .contains(" incremental_cpu_ms=", " scratch_cpu_ms="));
  }

  @Test
  void aclModeComparesItsIncrementalChangesWithCompilesFromScratch() {
    // measure() throws when an incremental result differs from the compile from scratch.
    ControllerScale.Result r = ControllerScale.measure(new SyntheticCluster(200, 5, 20), 1, true);

    assertThat(r.acl()).isTrue();
    assertThat(r.changeLines()).hasSize(4).allSatisfy(l -> assertThat(l).contains(" acl=on "));
  }

  @Test
  void refusesMoreSplitsThanTheServicesCanRoot() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new SyntheticCluster(100, 1, 11))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("splits 11");
  }
}
