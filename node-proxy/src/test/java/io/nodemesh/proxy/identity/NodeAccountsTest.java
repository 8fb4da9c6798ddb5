package io.nodemesh.proxy.identity;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodemesh.config.AccessConfig;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.tunnel.TunnelConfig;
import io.nodemesh.config.tunnel.TunnelPod;
import io.nodemesh.proxy.Listeners;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which ServiceAccounts a node proxy asks certificates for. */
class NodeAccountsTest {
  @Test
  void withoutAclModeTheTunnelsPodsOfThisNodeNameTheAccounts() {
    TunnelConfig tunnel =
        Listeners.strictTunnel(
            "td.test",
            Map.of("node-a", "192.168.1.10:15008"),
            Map.of(
                "10.0.0.1", new TunnelPod("node-a", "shop/web"),
                "10.0.0.2", new TunnelPod("node-b", "bank/vault"),
                "10.0.0.3", new TunnelPod("node-a", "shop/web"),
                "10.0.0.4", new TunnelPod("node-a", "shop/cart")));
    MeshConfig config = new MeshConfig(7, "mesh", List.of(), AccessConfig.disabled(), tunnel);

    assertThat(NodeAccounts.of(config, "node-a"))
        .containsExactlyInAnyOrder("shop/web", "shop/cart");
    assertThat(NodeAccounts.of(config, "node-b")).containsExactly("bank/vault");
    assertThat(NodeAccounts.of(config, "node-c")).isEmpty();
    assertThat(NodeAccounts.of(config, "")).isEmpty();
  }

  @Test
  void mtlsOffAndAclOffAsksForNone() {
    assertThat(NodeAccounts.of(new MeshConfig(7, "mesh", List.of()), "node-a")).isEmpty();
    // Before the first config (the CLI starts the certificate store right after the proxy).
    assertThat(NodeAccounts.of(null, "node-a")).isEmpty();
  }
}
