package io.nodemesh.proxy.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodemesh.config.AccessConfig;
import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.ListenerAccess;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.config.RouteRule;
import io.nodemesh.config.tunnel.TunnelConfig;
import io.nodemesh.config.tunnel.TunnelPod;
import io.nodemesh.proxy.Listeners;
import io.nodemesh.proxy.identity.NodeAccounts;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A GAMMA rule sends a Service's requests to the pods of other Services (its backendRefs and
 * RequestMirror targets), and the caller's proxy tunnels them under the called listener's key. The
 * destination node must count those pods as the listener's targets, and they need certificates:
 * after the merge of the tunnel and the rules (issue 14, issue 17) both looked at the root and the
 * TrafficSplit only, so every tunnelled canary request was refused.
 */
class TunnelTableRulesTest {
  private static final String LISTENER = "shop/web:80";

  private static EndpointConfig on(String ip, String node) {
    return new EndpointConfig(ip, 8080, node, true, true, false);
  }

  private static MeshConfig config() {
    RouteRule rule =
        Listeners.canaryMirrored(
            List.of(on("10.0.0.1", "node-b")),
            List.of(on("10.0.0.2", "node-b")),
            List.of(on("10.0.0.3", "node-b")),
            10);
    ListenerConfig l =
        Listeners.shopWeb(
            5001,
            RouteConfig.direct(new BackendConfig("web", 1, List.of())).withRules(List.of(rule)));
    TunnelConfig t =
        Listeners.strictTunnel(
            "td.test",
            Map.of("node-b", "127.0.0.3:1"),
            Map.of(
                "10.0.0.1", new TunnelPod("node-b", "shop/web-v1"),
                "10.0.0.2", new TunnelPod("node-b", "shop/web-v2"),
                "10.0.0.3", new TunnelPod("node-b", "shop/shadow")));
    AccessConfig access =
        new AccessConfig(
            false,
            Map.of("10.0.0.1", "shop/web-v1", "10.0.0.2", "shop/web-v2", "10.0.0.3", "shop/shadow"),
            List.<ListenerAccess>of());
    return new MeshConfig(1, "mesh", List.of(l), access, t);
  }

  @Test
  void ruleBackendsAndMirrorTargetsAreTheListenersTargetsHere() {
    TunnelTable table = new TunnelTable(config(), "node-b");
    assertThat(table.admit("10.0.0.2:8080", LISTENER, "shop/web-v2"))
        .isInstanceOf(TunnelTable.Admission.Relay.class);
    assertThat(table.admit("10.0.0.1:8080", LISTENER, "shop/web-v1"))
        .isInstanceOf(TunnelTable.Admission.Relay.class);
    assertThat(table.admit("10.0.0.3:8080", LISTENER, "shop/shadow"))
        .isInstanceOf(TunnelTable.Admission.Relay.class);
    // Still only the pods the listener's route names, and as the pod's own account.
    assertThat(table.admit("10.0.0.2:9999", LISTENER, "shop/web-v2"))
        .isInstanceOf(TunnelTable.Admission.Refused.class);
    assertThat(table.admit("10.0.0.2:8080", LISTENER, "shop/web-v1"))
        .isInstanceOf(TunnelTable.Admission.Refused.class);
  }

  @Test
  void podsOfRuleBackendsAndMirrorsGetTheirAccountsOnTheirNode() {
    assertThat(NodeAccounts.of(config(), "node-b"))
        .containsExactlyInAnyOrder("shop/web-v1", "shop/web-v2", "shop/shadow");
    assertThat(NodeAccounts.of(config(), "node-c")).isEmpty();
  }
}
