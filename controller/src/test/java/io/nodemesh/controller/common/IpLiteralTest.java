package io.nodemesh.controller.common;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IpLiteralTest {
  @ParameterizedTest
  @ValueSource(
      strings = {
        "10.0.0.1",
        "0.0.0.0",
        "255.255.255.255",
        "fd00::1",
        "::1",
        "::",
        "2001:db8::42",
        "::ffff:10.0.0.1",
        "FD00::A"
      })
  void addressesAreValid(String ip) {
    assertThat(IpLiteral.valid(ip)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        " ",
        "not-an-ip",
        "999.1.1.1",
        "1.2.3",
        "10.0.0.256",
        "010.0.0.1",
        "fd00::g",
        ":::1",
        "10.0.0.1 ",
        "10.0.0.1/24",
        "fe80::1%eth0",
        "1.2.3.4.5",
        "localhost",
        "0x7f.0.0.1",
        "1::2::3",
        ":"
      })
  void everythingElseIsNot(String ip) {
    assertThat(IpLiteral.valid(ip)).isFalse();
  }
}
