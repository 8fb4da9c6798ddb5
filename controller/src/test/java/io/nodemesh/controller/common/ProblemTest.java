package io.nodemesh.controller.common;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ProblemTest {
  @Test
  void controlCharactersAnOwnerWroteAreShownEscaped() {
    Problem p =
        new Problem(
            "Service",
            "shop",
            "web",
            "metadata.annotations[nodemesh.io/timeout]",
            "invalid value '5s\nWARNING forged\r\u0007\u2028' (expected a duration)");

    assertThat(p.message())
        .isEqualTo("invalid value '5s\\nWARNING forged\\r\\u0007\\u2028' (expected a duration)");
    assertThat(p.toString()).doesNotContain("\n");
  }

  @Test
  void ordinaryTextIsTheSameString() {
    String message = "port 70000 is not in 1..65535; this port is not meshed \u00e9";
    assertThat(new Problem("Service", "shop", "web", "spec.ports[0].port", message).message())
        .isSameAs(message);
  }
}
