package io.nodemesh.controller.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nodemesh.controller.ControllerOptions;
import org.junit.jupiter.api.Test;

class PortRangeTest {
  @Test
  void parsesRangesAndSinglePorts() {
    assertThat(PortRange.parse("5000-9999")).isEqualTo(new PortRange(5000, 9999));
    assertThat(PortRange.parse(" 7000 - 7001 ").size()).isEqualTo(2);
    assertThat(PortRange.parse("8000")).isEqualTo(new PortRange(8000, 8000));
  }

  @Test
  void badTextIsRejectedNamingIt() {
    assertThatThrownBy(() -> PortRange.parse("5000-abc")).hasMessageContaining("'5000-abc'");
    assertThatThrownBy(() -> PortRange.parse("9999-5000")).hasMessageContaining("last is lower");
    assertThatThrownBy(() -> PortRange.parse("0-10")).hasMessageContaining("1..65535");
    assertThatThrownBy(() -> PortRange.parse("")).hasMessageContaining("empty");
  }

  @Test
  void optionsRejectOverlappingRanges() {
    assertThatThrownBy(
            () ->
                new ControllerOptions(
                    null,
                    null,
                    null,
                    0,
                    new PortRange(5000, 6000),
                    new PortRange(6000, 7000),
                    null,
                    null,
                    null,
                    false,
                    "x",
                    null,
                    null))
        .hasMessageContaining("httpPorts 5000-6000 overlaps tcpPorts 6000-7000");
    ControllerOptions d = ControllerOptions.defaults();
    assertThat(d.httpPorts()).hasToString("5000-9999");
    assertThat(d.tcpPorts()).hasToString("10000-14999");
    assertThat(d.udpPorts()).hasToString("15000-19999");
    assertThat(d.debounce().toMillis()).isEqualTo(50);
    assertThat(d.maxDelay().toSeconds()).isEqualTo(2);
    assertThat(d.proxySelector()).containsEntry("app.kubernetes.io/name", "nodemesh-proxy");
  }
}
