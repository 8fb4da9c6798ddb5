package io.nodemesh.proxy.netbed;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The test bed itself: nodes reach each other's pods, nftables DNATs, nothing is left behind. */
class NetBedIT {
  @TempDir Path dir;

  @Test
  void podsOnTwoNodesTalkAcrossTheWireAndNothingIsLeftBehind() throws Exception {
    String wireName;
    try (NetBed bed = NetBed.create(dir)) {
      NetBed.Node a = bed.addNode("a");
      NetBed.Node b = bed.addNode("b");
      NetBed.Pod client = bed.addPod(a);
      NetBed.Pod server = bed.addPod(b);
      Pods.startHttp(bed, server, 8080, "srv");
      // A pod on node a calls the pod on node b by its own address.
      String out =
          bed.exec(
              a, "curl", "-sS", "--interface", client.ip(), "http://" + server.ip() + ":8080/x");
      assertThat(out).contains("pod srv").contains("peer " + client.ip()).contains("GET /x");
      // kube-proxy's stand-in: a ClusterIP DNATed on node a's output path.
      bed.nft(
          a,
          """
          table ip nmtb {
            chain out { type nat hook output priority -100; ip daddr 10.96.0.10 tcp dport 80 dnat to %s:8080; }
          }
          """
              .formatted(server.ip()));
      assertThat(bed.exec(a, "curl", "-sS", "http://10.96.0.10/y")).contains("GET /y");
      wireName = List.of(bed.exec(a, "ip", "-o", "link").split("\n")).toString();
    }
    assertThat(wireName).contains("eth0");
    NetBed.Result left =
        new NetBed.Result(
            0,
            new String(
                new ProcessBuilder("ip", "netns", "list").start().getInputStream().readAllBytes()));
    assertThat(left.out()).doesNotContain(NetBed.PREFIX);
  }
}
