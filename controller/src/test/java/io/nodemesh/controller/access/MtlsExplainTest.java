package io.nodemesh.controller.access;

import static io.nodemesh.controller.access.AccessCompilerTest.pods;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.tunnel.MtlsMode;
import io.nodemesh.config.tunnel.TunnelConfig;
import io.nodemesh.config.tunnel.TunnelPod;
import io.nodemesh.controller.compile.MeshCompiler;
import io.nodemesh.controller.compile.PortAllocation;
import io.nodemesh.controller.compile.TestSettings;
import io.nodemesh.controller.source.SourceSnapshot;
import io.nodemesh.controller.topology.Topology;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 14: explain names the identity a call is judged by and where the decision is made, per mode
 * of the destination's namespace and for the same node against another node, and shows what strict
 * mode's NetworkPolicy cannot block.
 */
class MtlsExplainTest {
  private static final String TD = "td-1.nodemesh.local";

  /** The access tests' world, where TrafficTarget web-to-api lets default/web GET /api. */
  private static List<HasMetadata> world() {
    List<HasMetadata> w = AccessCompilerTest.world();
    w.add(AccessCompilerTest.webReads("web-to-api", "api"));
    return w;
  }

  private static MeshConfig config(List<HasMetadata> w) {
    Topology t = Topology.from(SourceSnapshot.of(w), List.of());
    return new MeshCompiler(TestSettings.settings(true))
        .compile(t, PortAllocation.empty(), null, 1)
        .config();
  }

  /**
   * web-1 (default/web, 10.0.0.2) calls shop/api (10.0.0.10) under web-to-api; the shop namespace
   * in {@code mode}; web-1 on {@code callerNode}, api-1 on node-b; both nodes have a proxy.
   */
  private static Explanation explain(MtlsMode mode, String callerNode) {
    List<HasMetadata> w = world();
    MeshConfig c = config(w);
    TunnelConfig tunnel =
        new TunnelConfig(
            MtlsMode.PERMISSIVE,
            Map.of("shop", mode),
            TD,
            Map.of("node-a", "192.168.0.1:15008", "node-b", "192.168.0.2:15008"),
            Map.of(
                "10.0.0.2", new TunnelPod(callerNode, "default/web"),
                "10.0.0.10", new TunnelPod("node-b", "shop/api")));
    MeshConfig withTunnel =
        new MeshConfig(c.version(), c.meshDomain(), c.listeners(), c.access(), tunnel);
    return Explainer.explain(
        withTunnel, pods(w), "default/web-1", "api.shop.mesh", "GET", "/api/x", Map.of());
  }

  @Test
  void acrossNodesTheDestinationDecidesOnTheCertificatesSpiffeId() {
    for (MtlsMode mode : List.of(MtlsMode.PERMISSIVE, MtlsMode.STRICT)) {
      Explanation e = explain(mode, "node-a");
      assertThat(e.allowed()).isTrue();
      assertThat(e.hops())
          .containsExactly(
              new Explanation.Hop(
                  "10.0.0.10:8080",
                  "node-b",
                  mode.wireName(),
                  "spiffe://" + TD + "/ns/default/sa/web",
                  MtlsExplain.BY_CERTIFICATE));
      assertThat(e.render())
          .contains(
              "mtls 10.0.0.10:8080 on node-b ("
                  + mode.wireName()
                  + "): as spiffe://td-1.nodemesh.local/ns/default/sa/web, decided at the"
                  + " destination node's proxy, on the verified certificate");
    }
  }

  @Test
  void onTheSameNodeOrWithMtlsOffTheCallersProxyDecidesBySourceIp() {
    Explanation sameNode = explain(MtlsMode.STRICT, "node-b");
    assertThat(sameNode.hops())
        .containsExactly(
            new Explanation.Hop(
                "10.0.0.10:8080",
                "node-b",
                "strict",
                "source IP 10.0.0.2",
                MtlsExplain.BY_SOURCE_IP + " (same node, no tunnel)"));
    Explanation off = explain(MtlsMode.OFF, "node-a");
    assertThat(off.hops())
        .containsExactly(
            new Explanation.Hop(
                "10.0.0.10:8080", "node-b", "off", "source IP 10.0.0.2", MtlsExplain.BY_SOURCE_IP));
  }

  @Test
  void strictNamespacesCarryTheNetworkPolicyCaveatsOthersDoNot() {
    assertThat(explain(MtlsMode.STRICT, "node-a").caveats())
        .anyMatch(c -> c.contains("does not block the pod's own node"))
        .anyMatch(c -> c.contains("hostNetwork"))
        .anyMatch(c -> c.contains("--probe-network-policy"));
    assertThat(explain(MtlsMode.STRICT, "node-b").render()).contains("caveat:      it does not");
    assertThat(explain(MtlsMode.PERMISSIVE, "node-a").caveats()).isEmpty();
    assertThat(explain(MtlsMode.OFF, "node-a").caveats()).isEmpty();
  }

  @Test
  void withoutATunnelExplainSaysNothingOfMtls() {
    List<HasMetadata> w = world();
    MeshConfig c = config(w);
    Explanation e =
        Explainer.explain(c, pods(w), "default/web-1", "api.shop.mesh", "GET", "/api", Map.of());
    assertThat(e.hops()).isEmpty();
    assertThat(e.render()).doesNotContain("mtls");
  }
}
