package io.nodemesh.cli.check;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import org.junit.jupiter.api.Test;

/** The leader item alone, against the mock API server. */
@EnableKubernetesMockClient(crud = true)
class LeaderCheckTest {
  static final Instant NOW = Instant.parse("2026-11-26T01:00:00Z");

  KubernetesClient client;

  CheckItem check() {
    return new LeaderCheck().run(CheckContexts.of(client, NOW));
  }

  void lease(String holder, Instant renewed) {
    client
        .leases()
        .inNamespace("nodemesh")
        .resource(
            new LeaseBuilder()
                .withNewMetadata()
                .withName("nodemesh-controller")
                .withNamespace("nodemesh")
                .endMetadata()
                .withNewSpec()
                .withHolderIdentity(holder)
                .withLeaseDurationSeconds(15)
                .withRenewTime(ZonedDateTime.ofInstant(renewed, ZoneOffset.UTC))
                .endSpec()
                .build())
        .create();
  }

  @Test
  void aFreshLeaseNamesItsHolder() {
    lease("controller-a", NOW.minusSeconds(5));
    assertThat(check()).isEqualTo(CheckItem.pass("leader", "held by controller-a"));
  }

  @Test
  void aLeaseNotRenewedInTimeFailsWithHowLongAgo() {
    lease("controller-a", NOW.minusSeconds(100));
    CheckItem item = check();
    assertThat(item.status()).isEqualTo(CheckItem.Status.FAIL);
    assertThat(item.detail()).contains("held by controller-a expired 85s ago");
  }

  @Test
  void noLeaseFailsUnlessTheControllerRunsWithoutElection() {
    assertThat(check().status()).isEqualTo(CheckItem.Status.FAIL);
    client
        .apps()
        .deployments()
        .inNamespace("nodemesh")
        .resource(
            new DeploymentBuilder()
                .withNewMetadata()
                .withName("nodemesh-controller")
                .withNamespace("nodemesh")
                .endMetadata()
                .withNewSpec()
                .withNewTemplate()
                .withNewSpec()
                .addNewContainer()
                .withName("controller")
                .withArgs("controller", "--no-leader-election")
                .endContainer()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build())
        .create();
    assertThat(check().status()).isEqualTo(CheckItem.Status.PASS);
  }
}
