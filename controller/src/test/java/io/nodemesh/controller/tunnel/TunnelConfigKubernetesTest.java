package io.nodemesh.controller.tunnel;

import static io.nodemesh.testkit.K8s.namespace;
import static io.nodemesh.testkit.K8s.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.MeshConfigJson;
import io.nodemesh.config.tunnel.MtlsMode;
import io.nodemesh.config.tunnel.TunnelConfig;
import io.nodemesh.config.tunnel.TunnelPod;
import io.nodemesh.controller.Controller;
import io.nodemesh.controller.ControllerOptions;
import io.nodemesh.controller.common.Problem;
import io.nodemesh.controller.source.InformerSource;
import io.nodemesh.testkit.Closing;
import io.nodemesh.testkit.K8s;
import io.nodemesh.testkit.MockApi;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The tunnel part of the config the controller serves (issue 14), from Namespaces and Pods on the
 * mock API server: modes per namespace (chart default, label override, hostile values reported),
 * proxies by node from the ready proxy pods, and every pod's node and ServiceAccount without ACL
 * mode.
 */
@EnableKubernetesMockClient(crud = true)
class TunnelConfigKubernetesTest {
  static KubernetesClient client;
  static final Duration WAIT = Duration.ofSeconds(30);
  static final Map<String, String> PROXY = ControllerOptions.DEFAULT_PROXY_SELECTOR;

  KubernetesClient own;
  Controller controller;

  @RegisterExtension
  final Closing closing = new Closing().then(() -> K8s.wipe(client, Duration.ofSeconds(60)));

  static Pod on(Pod p, String node) {
    return new PodBuilder(p).editSpec().withNodeName(node).endSpec().build();
  }

  static Pod proxy(String name, String node, String ip, boolean ready) {
    return new PodBuilder(on(pod("nodemesh", name, "nodemesh-proxy", ip), node))
        .editMetadata()
        .withLabels(PROXY)
        .endMetadata()
        .editStatus()
        .addNewCondition()
        .withType("Ready")
        .withStatus(ready ? "True" : "False")
        .endCondition()
        .endStatus()
        .build();
  }

  void create(Pod p) {
    client.pods().inNamespace(p.getMetadata().getNamespace()).resource(p).create();
  }

  MeshConfig served() throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + controller.apiPort() + "/api/v1/config"))
                    .timeout(Duration.ofSeconds(20))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return MeshConfigJson.read(r.body());
  }

  @Test
  void servesModesProxiesAndPodsAndReportsHostileValues() throws Exception {
    MockApi.create(
        client,
        namespace("shop", Map.of()),
        namespace("bank", Map.of(TunnelTables.MTLS_KEY, "strict")),
        namespace("evil", Map.of(TunnelTables.MTLS_KEY, "bogus")),
        new NamespaceBuilder(namespace("loud", Map.of()))
            .editMetadata()
            .addToAnnotations(TunnelTables.MTLS_KEY, "strict".repeat(10_000))
            .endMetadata()
            .build());
    create(proxy("proxy-a", "node-a", "192.168.1.10", true));
    create(proxy("proxy-b", "node-b", "192.168.1.11", true));
    create(proxy("proxy-c", "node-c", "192.168.1.12", false));
    create(on(pod("shop", "web-1", "web", "10.0.0.1"), "node-a"));
    create(on(pod("bank", "vault-1", "vault", "10.0.0.2"), "node-b"));
    create(on(pod("shop", "odd-1", "Not_A_Name", "10.0.0.3"), "node-a"));
    own = closing.add(MockApi.ownClient(client));
    ControllerOptions options = ControllerOptions.defaults().withApi("127.0.0.1", 0);
    controller = closing.add(Controller.start(options, new InformerSource(own, null), own));
    controller.tunnel(
        new TunnelSettings(
            MtlsMode.PERMISSIVE, 15008, "td.test", "nodemesh", options.proxySelector()));

    await()
        .atMost(WAIT)
        .untilAsserted(() -> assertThat(served().tunnel().pods()).containsKey("10.0.0.2"));
    TunnelConfig t = served().tunnel();
    assertThat(t.mode()).isEqualTo(MtlsMode.PERMISSIVE);
    assertThat(t.trustDomain()).isEqualTo("td.test");
    // Only the namespace that sets a valid mode of its own is listed.
    assertThat(t.namespaces()).isEqualTo(Map.of("bank", MtlsMode.STRICT));
    assertThat(t.modeOf("evil")).isEqualTo(MtlsMode.PERMISSIVE);
    assertThat(t.modeOf("loud")).isEqualTo(MtlsMode.PERMISSIVE);
    // The unready proxy of node-c takes no tunnels.
    assertThat(t.proxies())
        .isEqualTo(Map.of("node-a", "192.168.1.10:15008", "node-b", "192.168.1.11:15008"));
    // Pods without ACL mode, the proxies' own pods left out, the bad ServiceAccount skipped.
    assertThat(t.pods())
        .isEqualTo(
            Map.of(
                "10.0.0.1", new TunnelPod("node-a", "shop/web"),
                "10.0.0.2", new TunnelPod("node-b", "bank/vault")));
    assertThat(controller.problems())
        .extracting(Problem::objectRef, Problem::field)
        .contains(
            org.assertj.core.groups.Tuple.tuple(
                "evil", "metadata.labels[" + TunnelTables.MTLS_KEY + "]"),
            org.assertj.core.groups.Tuple.tuple(
                "loud", "metadata.annotations[" + TunnelTables.MTLS_KEY + "]"),
            org.assertj.core.groups.Tuple.tuple("shop/odd-1", "spec.serviceAccountName"));
    // The long value is not echoed whole.
    assertThat(controller.problems()).allSatisfy(p -> assertThat(p.message()).hasSizeLessThan(300));

    // A change of the tunnel alone is served under a new version.
    long before = served().version();
    client
        .namespaces()
        .withName("bank")
        .edit(n -> namespace("bank", Map.of(TunnelTables.MTLS_KEY, "off")));
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              MeshConfig c = served();
              assertThat(c.tunnel().modeOf("bank")).isEqualTo(MtlsMode.OFF);
              assertThat(c.version()).isGreaterThan(before);
            });
  }
}
