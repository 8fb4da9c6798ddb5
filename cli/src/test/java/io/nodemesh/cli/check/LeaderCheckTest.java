package io.nodemesh.cli.check;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Instant;
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
    ClusterObjects.lease(client, holder, renewed);
  }

  @Test
  void aFreshLeaseNamesItsHolder() {
    lease("controller-a", NOW.minusSeconds(5));
    assertThat(check()).isEqualTo(CheckItem.pass("leader", "held by controller-a"));
  }

  @Test
  void aLeaseNotRenewedInTimeFailsWithHowLongAgo() {
    lease("controller-a", NOW.minusSeconds(100));
    ClusterObjects.failsWith(check()).contains("held by controller-a expired 85s ago");
  }

  @Test
  void noLeaseFailsUnlessTheControllerRunsWithoutElection() {
    assertThat(check().status()).isEqualTo(CheckItem.Status.FAIL);
    ClusterObjects.controllerWithoutElection(client);
    assertThat(check().status()).isEqualTo(CheckItem.Status.PASS);
  }
}
