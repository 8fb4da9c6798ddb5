package io.nodemesh.controller.compile;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodemesh.config.Protocol;
import io.nodemesh.controller.common.PortRange;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class PortAllocationTest {
  static final Map<Protocol, PortRange> RANGES =
      TestSettings.ranges(
          new PortRange(5000, 9999), new PortRange(10000, 10001), new PortRange(15000, 15000));

  static PortKey http(String svc, int port) {
    return new PortKey("ns", svc, port, Protocol.HTTP);
  }

  /** Port 80 of these three services, on these proxy ports, in this order and nothing else. */
  static void assertPorts(
      PortAllocation allocation, String s1, int p1, String s2, int p2, String s3, int p3) {
    assertThat(allocation.ports())
        .containsExactly(
            Map.entry(http(s1, 80), p1), Map.entry(http(s2, 80), p2), Map.entry(http(s3, 80), p3));
  }

  @Test
  void newKeysGetTheLowestFreePortsInSortedKeyOrder() {
    var r =
        PortAllocation.empty()
            .allocate(Set.of(http("c", 80), http("a", 80), http("b", 80)), RANGES);

    assertPorts(r.allocation(), "a", 5000, "b", 5001, "c", 5002);
  }

  @Test
  void seededPortsStayAndReleasedOnesAreReused() {
    PortAllocation seeded = PortAllocation.of(Map.of(http("z", 80), 5000, http("y", 80), 5007));
    var r = seeded.allocate(Set.of(http("z", 80), http("a", 80), http("b", 80)), RANGES);

    assertPorts(r.allocation(), "a", 5001, "b", 5007 - 5007 + 5002, "z", 5000);
    var again =
        r.allocation().allocate(Set.of(http("z", 80), http("a", 80), http("b", 80)), RANGES);
    assertThat(again.allocation()).isEqualTo(r.allocation());
  }

  @Test
  void seededPortOutsideTheRangeOrUsedTwiceIsReallocated() {
    PortAllocation seeded =
        PortAllocation.of(Map.of(http("a", 80), 4000, http("b", 80), 5005, http("c", 80), 5005));
    var r = seeded.allocate(Set.of(http("a", 80), http("b", 80), http("c", 80)), RANGES);

    assertPorts(r.allocation(), "a", 5000, "b", 5005, "c", 5001);
  }

  @Test
  void exhaustionReportsTheKeysLeftOver() {
    PortKey t1 = new PortKey("ns", "a", 1, Protocol.TCP);
    PortKey t2 = new PortKey("ns", "b", 1, Protocol.TCP);
    PortKey t3 = new PortKey("ns", "c", 1, Protocol.TCP);
    var r = PortAllocation.empty().allocate(Set.of(t1, t2, t3), RANGES);

    assertThat(r.allocation().ports()).containsOnlyKeys(t1, t2);
    assertThat(r.exhausted()).containsExactly(t3);
  }

  @Test
  void aWholeRangeOfFiveThousandPortsCanBeUsed() {
    Map<PortKey, Integer> none = new TreeMap<>();
    java.util.Set<PortKey> wanted = new java.util.HashSet<>();
    for (int i = 0; i < 5000; i++) {
      wanted.add(http("s" + i, 80));
    }
    var r = PortAllocation.of(none).allocate(wanted, RANGES);

    assertThat(r.exhausted()).isEmpty();
    assertThat(r.allocation().ports().values())
        .doesNotHaveDuplicates()
        .allMatch(p -> p >= 5000 && p <= 9999);
  }

  @Test
  void overlayPrefersTheSeedAndDropsClashingEntries() {
    PortAllocation own = PortAllocation.of(Map.of(http("a", 80), 5000, http("b", 80), 5001));
    PortAllocation seed = PortAllocation.of(Map.of(http("c", 80), 5000));

    assertThat(own.overlay(seed).ports())
        .containsExactly(Map.entry(http("b", 80), 5001), Map.entry(http("c", 80), 5000));
  }
}
