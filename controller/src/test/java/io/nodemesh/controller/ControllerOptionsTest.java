package io.nodemesh.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodemesh.config.Protocol;
import org.junit.jupiter.api.Test;

class ControllerOptionsTest {
  private static final ControllerOptions BASE =
      ControllerOptions.defaults()
          .withApi("127.0.0.1", 9000)
          .withLeaderElection(true, "replica-a")
          .withAcl(true)
          .withDefaultTrafficType(Protocol.TCP);

  @Test
  void eachCopyChangesOnlyItsOwnFields() {
    assertThat(BASE.bindHost()).isEqualTo("127.0.0.1");
    assertThat(BASE.apiPort()).isEqualTo(9000);
    assertThat(BASE.leaderElection()).isTrue();
    assertThat(BASE.identity()).isEqualTo("replica-a");
    assertThat(BASE.acl()).isTrue();
    assertThat(BASE.defaultTrafficType()).isEqualTo(Protocol.TCP);
    // Unset, undeclared ports are detected (docs/protocols.md, rule 5).
    assertThat(ControllerOptions.defaults().defaultTrafficType()).isEqualTo(Protocol.AUTO);

    assertThat(BASE.withApi("0.0.0.0", 1))
        .isEqualTo(
            new ControllerOptions(
                BASE.meshNamespace(),
                BASE.meshDomain(),
                "0.0.0.0",
                1,
                BASE.httpPorts(),
                BASE.tcpPorts(),
                BASE.udpPorts(),
                BASE.debounce(),
                BASE.maxDelay(),
                true,
                "replica-a",
                BASE.watchNamespace(),
                BASE.proxySelector(),
                true,
                Protocol.TCP));
    assertThat(BASE.withLeaderElection(false, "b").withAcl(false))
        .isEqualTo(
            new ControllerOptions(
                BASE.meshNamespace(),
                BASE.meshDomain(),
                "127.0.0.1",
                9000,
                BASE.httpPorts(),
                BASE.tcpPorts(),
                BASE.udpPorts(),
                BASE.debounce(),
                BASE.maxDelay(),
                false,
                "b",
                BASE.watchNamespace(),
                BASE.proxySelector(),
                false,
                Protocol.TCP));
    assertThat(BASE.withDefaultTrafficType(Protocol.UDP).defaultTrafficType())
        .isEqualTo(Protocol.UDP);
    assertThat(BASE.withDefaultTrafficType(Protocol.UDP).withDefaultTrafficType(Protocol.TCP))
        .isEqualTo(BASE);
  }
}
