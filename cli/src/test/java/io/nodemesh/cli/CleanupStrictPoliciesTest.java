package io.nodemesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.nodemesh.cli.check.CoreDnsFixture;
import io.nodemesh.controller.strict.StrictPolicies;
import io.nodemesh.testkit.K8s;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cleanup} removes the strict-mode NetworkPolicies the controller wrote (issue 14), and only
 * those: not a user's policy of the same name, not another policy that merely carries the label.
 */
@EnableKubernetesMockClient(crud = true)
class CleanupStrictPoliciesTest {
  KubernetesClient client;

  void create(String ns, String name, Map<String, String> labels) {
    NetworkPolicy p =
        new NetworkPolicyBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(ns)
            .withLabels(labels)
            .endMetadata()
            .withNewSpec()
            .withNewPodSelector()
            .endPodSelector()
            .endSpec()
            .build();
    client.network().v1().networkPolicies().inNamespace(ns).resource(p).create();
  }

  boolean exists(String ns, String name) {
    return client.network().v1().networkPolicies().inNamespace(ns).withName(name).get() != null;
  }

  @Test
  void deletesOnlyThePoliciesTheControllerWrote(@TempDir Path dir) throws Exception {
    Map<String, String> ours = Map.of("app.kubernetes.io/managed-by", "nodemesh");
    create("bank", StrictPolicies.NAME, ours);
    create("shop", StrictPolicies.NAME, ours);
    create("theirs", StrictPolicies.NAME, Map.of("team", "theirs"));
    create("bank", "allow-dns", ours);
    CoreDnsFixture.create(client, "nodemesh", ".:53 {\n    reload\n}\n");
    Path kubeconfig =
        K8s.kubeconfig(
            dir.resolve("config"), String.valueOf(client.getMasterUrl()), "admin", "secret");

    CliTest.Result r = CliTest.run("cleanup", "--kubeconfig", kubeconfig.toString());

    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out())
        .startsWith(
            "deleted NetworkPolicy bank/nodemesh-strict\n"
                + "deleted NetworkPolicy shop/nodemesh-strict\n")
        .contains("nothing to undo");
    assertThat(exists("bank", StrictPolicies.NAME)).isFalse();
    assertThat(exists("shop", StrictPolicies.NAME)).isFalse();
    assertThat(exists("theirs", StrictPolicies.NAME)).isTrue();
    assertThat(exists("bank", "allow-dns")).isTrue();
  }
}
