package io.nodemesh.controller.strict;

import static io.nodemesh.testkit.K8s.namespace;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.nodemesh.config.tunnel.MtlsMode;
import io.nodemesh.controller.Controller;
import io.nodemesh.controller.ControllerOptions;
import io.nodemesh.controller.common.Problem;
import io.nodemesh.controller.common.ProblemReason;
import io.nodemesh.controller.testing.MockController;
import io.nodemesh.controller.tunnel.TunnelSettings;
import io.nodemesh.controller.tunnel.TunnelTables;
import io.nodemesh.testkit.K8s;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Strict mode's NetworkPolicies as the real controller writes them on the mock API server (issue
 * 14): only strict, meshed namespaces get one; it admits the proxies of the mesh namespace and the
 * valid entries the namespace lists; it goes when the namespace stops being strict; a policy of the
 * same name that Nodemesh did not write is never touched, and reported.
 */
@EnableKubernetesMockClient(crud = true)
class StrictPoliciesKubernetesTest {
  static KubernetesClient client;
  static final Duration WAIT = Duration.ofSeconds(30);

  MockController running;

  @AfterEach
  void stop() {
    if (running != null) {
      running.close();
    }
    K8s.wipe(client, Duration.ofSeconds(60));
    client.network().v1().networkPolicies().inAnyNamespace().delete();
    client.namespaces().delete();
  }

  static Namespace strictNamespace(String name, String allowFrom, Map<String, String> labels) {
    NamespaceBuilder b =
        new NamespaceBuilder(namespace(name, labels))
            .editMetadata()
            .addToLabels(TunnelTables.MTLS_KEY, "strict")
            .endMetadata();
    if (allowFrom != null) {
      b.editMetadata().addToAnnotations(AllowFrom.KEY, allowFrom).endMetadata();
    }
    return b.build();
  }

  NetworkPolicy policy(String ns) {
    return client
        .network()
        .v1()
        .networkPolicies()
        .inNamespace(ns)
        .withName(StrictPolicies.NAME)
        .get();
  }

  @Test
  void strictNamespacesGetThePolicyOthersDoNotAndForeignOnesAreLeftAlone() {
    String hostile =
        "10.1.0.0/16, ops, 10.1.2.3/8, Bad_Name, 300.1.1.1/32, x/y/z, " + "a".repeat(70);
    client.namespaces().resource(strictNamespace("bank", hostile, Map.of())).create();
    client.namespaces().resource(namespace("shop", Map.of())).create();
    client.namespaces().resource(namespace("plain", Map.of(TunnelTables.MTLS_KEY, "off"))).create();
    client
        .namespaces()
        .resource(strictNamespace("legacy", null, Map.of("nodemesh.io/ignore", "true")))
        .create();
    client.namespaces().resource(strictNamespace("theirs", null, Map.of())).create();
    client
        .namespaces()
        .resource(strictNamespace("huge", "10.0.0.0/8,".repeat(500), Map.of()))
        .create();
    // A user's own policy under our name, and another of theirs beside ours.
    NetworkPolicy users =
        new NetworkPolicyBuilder()
            .withNewMetadata()
            .withName(StrictPolicies.NAME)
            .withNamespace("theirs")
            .withLabels(Map.of("team", "theirs"))
            .endMetadata()
            .withNewSpec()
            .withNewPodSelector()
            .endPodSelector()
            .withPolicyTypes("Ingress")
            .endSpec()
            .build();
    String usersVersion =
        client
            .network()
            .v1()
            .networkPolicies()
            .inNamespace("theirs")
            .resource(users)
            .create()
            .getMetadata()
            .getResourceVersion();
    NetworkPolicy other =
        new NetworkPolicyBuilder(users)
            .editMetadata()
            .withName("deny-all")
            .withNamespace("bank")
            .endMetadata()
            .build();
    client.network().v1().networkPolicies().inNamespace("bank").resource(other).create();

    ControllerOptions options = ControllerOptions.defaults().withApi("127.0.0.1", 0);
    running = MockController.start(client, options);
    Controller controller = running.controller();
    controller.tunnel(
        new TunnelSettings(
            MtlsMode.PERMISSIVE, 15008, "td.test", "nodemesh", options.proxySelector()));

    await().atMost(WAIT).untilAsserted(() -> assertThat(policy("bank")).isNotNull());
    NetworkPolicy bank = policy("bank");
    assertThat(StrictPolicies.isOurs(bank)).isTrue();
    assertThat(bank.getSpec().getPodSelector().getMatchLabels()).isNullOrEmpty();
    assertThat(bank.getSpec().getPolicyTypes()).containsExactly("Ingress");
    assertThat(bank.getSpec().getIngress()).hasSize(2);
    NetworkPolicyPeer proxies = bank.getSpec().getIngress().get(0).getFrom().get(0);
    assertThat(proxies.getNamespaceSelector().getMatchLabels())
        .isEqualTo(Map.of("kubernetes.io/metadata.name", "nodemesh"));
    assertThat(proxies.getPodSelector().getMatchLabels()).isEqualTo(options.proxySelector());
    List<NetworkPolicyPeer> listed = bank.getSpec().getIngress().get(1).getFrom();
    // The two valid entries only; every bad one is skipped.
    assertThat(listed).hasSize(2);
    assertThat(listed.get(0).getIpBlock().getCidr()).isEqualTo("10.1.0.0/16");
    assertThat(listed.get(1).getNamespaceSelector().getMatchLabels())
        .isEqualTo(Map.of("kubernetes.io/metadata.name", "ops"));
    // A value over the bound is ignored whole: only the proxies are let in.
    await().atMost(WAIT).untilAsserted(() -> assertThat(policy("huge")).isNotNull());
    assertThat(policy("huge").getSpec().getIngress()).hasSize(1);

    String field = "metadata.annotations[" + AllowFrom.KEY + "]";
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(controller.problems())
                    .extracting(Problem::kind, Problem::objectRef, Problem::field, Problem::reason)
                    .contains(
                        tuple("Namespace", "bank", field + "[2]", ProblemReason.INVALID_ANNOTATION),
                        tuple("Namespace", "bank", field + "[3]", ProblemReason.INVALID_ANNOTATION),
                        tuple("Namespace", "bank", field + "[4]", ProblemReason.INVALID_ANNOTATION),
                        tuple("Namespace", "bank", field + "[5]", ProblemReason.INVALID_ANNOTATION),
                        tuple("Namespace", "bank", field + "[6]", ProblemReason.INVALID_ANNOTATION),
                        tuple("Namespace", "huge", field, ProblemReason.INVALID_ANNOTATION),
                        tuple(
                            "NetworkPolicy",
                            "theirs/" + StrictPolicies.NAME,
                            "metadata.labels[app.kubernetes.io/managed-by]",
                            ProblemReason.NOT_MANAGED)));
    assertThat(controller.problems()).allSatisfy(p -> assertThat(p.message()).hasSizeLessThan(300));
    // Permissive, off and ignored namespaces get none; the user's policies are as they were.
    assertThat(policy("shop")).isNull();
    assertThat(policy("plain")).isNull();
    assertThat(policy("legacy")).isNull();
    NetworkPolicy theirs = policy("theirs");
    assertThat(theirs.getMetadata().getLabels()).isEqualTo(Map.of("team", "theirs"));
    assertThat(theirs.getSpec().getIngress()).isNullOrEmpty();
    assertThat(theirs.getMetadata().getResourceVersion()).isEqualTo(usersVersion);

    // Back to permissive: the policy goes, the user's other policy stays.
    K8s.edit(
        client.namespaces().withName("bank"),
        n ->
            new NamespaceBuilder(n)
                .editMetadata()
                .addToLabels(TunnelTables.MTLS_KEY, "permissive")
                .endMetadata()
                .build());
    await().atMost(WAIT).untilAsserted(() -> assertThat(policy("bank")).isNull());
    assertThat(
            client.network().v1().networkPolicies().inNamespace("bank").withName("deny-all").get())
        .isNotNull();
    // Leaving the mesh removes it too; the foreign one is still never deleted.
    K8s.edit(
        client.namespaces().withName("huge"),
        n ->
            new NamespaceBuilder(n)
                .editMetadata()
                .addToLabels("nodemesh.io/ignore", "true")
                .endMetadata()
                .build());
    await().atMost(WAIT).untilAsserted(() -> assertThat(policy("huge")).isNull());
    assertThat(policy("theirs")).isNotNull();
  }

  @Test
  void aStartingControllerKeepsThePoliciesUntilToldTheModeAndWithoutTheTunnelRemovesThem() {
    client.namespaces().resource(strictNamespace("vault", null, Map.of())).create();
    NetworkPolicy ours =
        StrictPolicies.policy(
            "vault",
            new AllowFrom.Peers(List.of(), List.of()),
            "nodemesh",
            ControllerOptions.DEFAULT_PROXY_SELECTOR);
    String version =
        client
            .network()
            .v1()
            .networkPolicies()
            .inNamespace("vault")
            .resource(ours)
            .create()
            .getMetadata()
            .getResourceVersion();
    running = MockController.start(client, ControllerOptions.defaults().withApi("127.0.0.1", 0));
    Controller controller = running.controller();
    await().atMost(WAIT).until(() -> controller.currentConfig().version() > 0);
    // Compiled without a tunnel part yet (the CLI sets it right after start): not "off".
    await()
        .during(Duration.ofSeconds(3))
        .atMost(WAIT)
        .until(() -> version.equals(policy("vault").getMetadata().getResourceVersion()));

    controller.noTunnel();
    await().atMost(WAIT).untilAsserted(() -> assertThat(policy("vault")).isNull());
  }
}
