package io.nodemesh.cli.check;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The proxies item alone, against the mock API server: one ready proxy per schedulable node. */
@EnableKubernetesMockClient(crud = true)
class ProxiesCheckTest {
  KubernetesClient client;

  @BeforeEach
  void twoNodes() {
    for (String n : new String[] {"node-a", "node-b"}) {
      ClusterObjects.node(client, n, Map.of(), false);
    }
  }

  void proxy(String node, boolean ready) {
    ClusterObjects.proxyPod(client, node, ready);
  }

  @Test
  void aReadyProxyOnEachNodePassesAndIsHandedOn() {
    proxy("node-a", true);
    proxy("node-b", true);
    CheckContext context = CheckContexts.of(client, Instant.EPOCH);
    assertThat(new ProxiesCheck().run(context))
        .isEqualTo(CheckItem.pass("proxies", "a ready proxy on each of 2 schedulable nodes"));
    assertThat(context.readyProxies())
        .extracting(p -> p.getMetadata().getName())
        .containsExactly("nodemesh-proxy-node-a", "nodemesh-proxy-node-b");
  }

  @Test
  void aNodeWhoseProxyIsNotReadyIsNamed() {
    proxy("node-a", true);
    proxy("node-b", false);
    CheckContext context = CheckContexts.of(client, Instant.EPOCH);
    ClusterObjects.failsWith(new ProxiesCheck().run(context))
        .startsWith("no ready proxy on 1 of 2 schedulable nodes: node-b;");
    assertThat(context.readyProxies()).hasSize(1);
  }
}
