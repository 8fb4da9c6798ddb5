package io.nodemesh.cli.check;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The rbac item alone: the permission list, and a review that denies one of them. */
@EnableKubernetesMockClient
class RbacCheckTest {
  KubernetesMockServer server;
  KubernetesClient client;

  @Test
  void meshScopedPermissionsAreAskedInTheMeshNamespace() {
    List<RbacCheck.Permission> all = RbacCheck.controllerPermissions("mesh-ns");
    assertThat(all)
        .extracting(RbacCheck.Permission::toString)
        .contains(
            "watch split.smi-spec.io/trafficsplits",
            "delete services in mesh-ns",
            "update coordination.k8s.io/leases/nodemesh-controller in mesh-ns");
  }

  @Test
  void aDeniedPermissionIsNamed() {
    ClusterObjects.selfReviews(server, client, "delete services"::equals);
    ClusterObjects.failsWith(new RbacCheck().run(CheckContexts.of(client, Instant.EPOCH)))
        .isEqualTo(
            "you cannot delete services in nodemesh; reinstall the chart's RBAC (docs/rbac.md)");
  }
}
