package io.nodemesh.controller.strict;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodemesh.controller.common.Problem;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The {@code nodemesh.io/mtls-allow-from} value: what a CIDR is, and the bounds on the list. */
class AllowFromTest {
  @Test
  void cidrsAreNetworkAddressesWithAPrefixThatFits() {
    assertThat(AllowFrom.canonicalCidr("10.0.0.0/8")).isEqualTo("10.0.0.0/8");
    assertThat(AllowFrom.canonicalCidr("0.0.0.0/0")).isEqualTo("0.0.0.0/0");
    assertThat(AllowFrom.canonicalCidr("192.168.1.7/32")).isEqualTo("192.168.1.7/32");
    assertThat(AllowFrom.canonicalCidr("FD00::/8")).isEqualTo("fd00:0:0:0:0:0:0:0/8");
    assertThat(AllowFrom.canonicalCidr("::ffff:10.0.0.0/8")).isEqualTo("10.0.0.0/8");
    for (String bad :
        List.of(
            "10.0.0.1/8",
            "10.0.0.0/33",
            "fd00::/129",
            "10.0.0.0/08",
            "10.0.0.0/",
            "/8",
            "010.0.0.0/8",
            "10.0.0.0/8/8",
            "10.0.0.0/1000",
            "example.com/8",
            "10.0.0.0/-1")) {
      assertThat(AllowFrom.canonicalCidr(bad)).as(bad).isNull();
    }
  }

  @Test
  void entriesBeyondTheCapAreReportedAndSkippedAndEmptyOnesIgnored() {
    StringBuilder v = new StringBuilder(" , ");
    for (int i = 0; i < AllowFrom.MAX_ENTRIES + 3; i++) {
      v.append("ns-").append(i).append(", ,");
    }
    List<Problem> problems = new ArrayList<>();
    AllowFrom.Peers peers = AllowFrom.parse("bank", v.toString(), problems);
    assertThat(peers.namespaces()).hasSize(AllowFrom.MAX_ENTRIES).contains("ns-0", "ns-31");
    assertThat(peers.cidrs()).isEmpty();
    assertThat(problems)
        .singleElement()
        .satisfies(
            p ->
                assertThat(p.field()).isEqualTo("metadata.annotations[" + AllowFrom.KEY + "][32]"));
  }
}
