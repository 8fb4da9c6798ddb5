package io.nodemesh.controller.shadow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ShadowNamesTest {
  static final String DNS_1035 = "[a-z]([-a-z0-9]*[a-z0-9])?";

  @Test
  void readableNameThenHash() {
    String name = ShadowNames.shadowName("default", "whoami");
    assertThat(name)
        .startsWith("whoami-default-")
        .hasSize("whoami-default-".length() + 16)
        .matches(DNS_1035);
  }

  @Test
  void longNamesAreCutTo63AndStayUnique() {
    String ns = "n".repeat(63);
    String a = ShadowNames.shadowName(ns, "s".repeat(63));
    String b = ShadowNames.shadowName(ns, "s".repeat(62) + "t");

    assertThat(a).hasSizeLessThanOrEqualTo(63).matches(DNS_1035).startsWith("sss");
    assertThat(b).hasSizeLessThanOrEqualTo(63).matches(DNS_1035);
    assertThat(a).isNotEqualTo(b);
  }

  @Test
  void sameReadablePartDifferentObjectsGiveDifferentNames() {
    String x = ShadowNames.shadowName("a-b", "c");
    String y = ShadowNames.shadowName("a", "b-c");
    assertThat(x).startsWith("c-a-b-");
    assertThat(y).startsWith("b-c-a-");
    String p = ShadowNames.shadowName("b", "a-c");
    String q = ShadowNames.shadowName("c-b", "a");
    assertThat(p.substring(0, p.length() - 16)).isEqualTo(q.substring(0, q.length() - 16));
    assertThat(p).isNotEqualTo(q);
  }

  @Test
  void digitsFirstAndUpperCaseStillGiveAValidLabel() {
    assertThat(ShadowNames.shadowName("9ns", "1svc")).matches(DNS_1035).startsWith("s1svc-9ns-");
    assertThat(ShadowNames.shadowName("Ns", "Web")).matches(DNS_1035);
  }

  @Test
  void theSuffixCarries64BitsEvenForTheLongestNames() {
    String name = ShadowNames.shadowName("n".repeat(63), "s".repeat(63));

    assertThat(name).hasSize(63).matches(DNS_1035);
    assertThat(name.substring(name.lastIndexOf('-') + 1)).matches("[0-9a-f]{16}");
    assertThat(name.substring(0, name.lastIndexOf('-'))).isEqualTo("s".repeat(46));
  }

  @Test
  void isDeterministic() {
    assertThat(ShadowNames.shadowName("shop", "web"))
        .isEqualTo(ShadowNames.shadowName("shop", "web"));
  }

  @Test
  void emptyPartsAreRejectedWithAMessage() {
    assertThatThrownBy(() -> ShadowNames.shadowName("", "x")).hasMessageContaining("namespace ''");
  }
}
