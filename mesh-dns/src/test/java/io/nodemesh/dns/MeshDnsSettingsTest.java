package io.nodemesh.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MeshDnsSettingsTest {
  @Test
  void upstreamIsWrittenTheWayCorednsForwardReadsIt() {
    assertThat(new MeshDnsSettings("mesh", "10.96.0.42").upstream()).isEqualTo("10.96.0.42");
    assertThat(new MeshDnsSettings("mesh", "10.96.0.42", 5353).upstream())
        .isEqualTo("10.96.0.42:5353");
    assertThat(new MeshDnsSettings("mesh", "fd00::a").upstream()).isEqualTo("fd00::a");
    assertThat(new MeshDnsSettings("mesh", "fd00::a", 5353).upstream()).isEqualTo("[fd00::a]:5353");
    assertThat(new MeshDnsSettings("my.mesh", "10.0.0.1").zone()).isEqualTo("my.mesh.");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "Mesh", "mesh.", ".mesh", "-mesh", "me sh", "mesh..x", "*.mesh"})
  void badDomainsAreRefusedNamingTheField(String domain) {
    assertThatThrownBy(() -> new MeshDnsSettings(domain, "10.0.0.1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("MeshDnsSettings.domain: '" + domain + "'");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "coredns.kube-system",
        "10.0.0",
        "10.0.0.256",
        "10.0.0.1:53",
        "[fd00::a]",
        "fd00::g"
      })
  void upstreamMustBeAnIpLiteral(String address) {
    assertThatThrownBy(() -> new MeshDnsSettings("mesh", address))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("MeshDnsSettings.upstreamAddress: '" + address + "'");
  }

  @ParameterizedTest
  @ValueSource(ints = {0, -1, 65536})
  void portMustBeAPort(int port) {
    assertThatThrownBy(() -> new MeshDnsSettings("mesh", "10.0.0.1", port))
        .hasMessage("MeshDnsSettings.upstreamPort: " + port + " is not a port (1-65535)");
  }
}
