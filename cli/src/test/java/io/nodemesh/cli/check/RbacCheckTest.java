package io.nodemesh.cli.check;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * The rbac item alone: the permission list, a review that denies one of them, and the CA Secret's
 * rights asked for only when the controller Deployment runs the CA, under the Secret name it uses.
 */
@EnableKubernetesMockClient(crud = true)
class RbacCheckTest {
  KubernetesMockServer server;
  KubernetesClient client;

  /** Every permission the check asked about, as {@link RbacCheck.Permission#toString}. */
  final Set<String> asked = ConcurrentHashMap.newKeySet();

  @Test
  void meshScopedPermissionsAreAskedInTheMeshNamespace() {
    List<RbacCheck.Permission> all =
        RbacCheck.controllerPermissions("mesh-ns", new ControllerFlags(List.of(), "test"));
    assertThat(all)
        .extracting(RbacCheck.Permission::toString)
        .contains(
            "watch split.smi-spec.io/trafficsplits",
            "delete services in mesh-ns",
            "update coordination.k8s.io/leases/nodemesh-controller in mesh-ns")
        .noneMatch(p -> p.contains("secrets"));
  }

  @Test
  void aDeniedPermissionIsNamed() {
    ClusterObjects.selfReviews(server, client, "delete services"::equals);
    ClusterObjects.failsWith(new RbacCheck().run(CheckContexts.of(client, Instant.EPOCH)))
        .isEqualTo(
            "you cannot delete services in nodemesh; reinstall the chart's RBAC (docs/rbac.md)");
  }

  @Test
  void withTheCaTheControllersOwnSecretIsAskedForByTheNameItRuns() {
    controller("controller", "--ca", "--ca-secret", "mesh-root", "--tls-cert=/x");
    reviews(p -> p.startsWith("get secrets/"));
    ClusterObjects.failsWith(run())
        .isEqualTo(
            "you cannot get secrets/mesh-root in nodemesh; reinstall the chart's RBAC"
                + " (docs/rbac.md)");
    assertThat(asked)
        .contains(
            "get secrets/mesh-root in nodemesh",
            "update secrets/mesh-root in nodemesh",
            "create secrets in nodemesh")
        .noneMatch(p -> p.contains("nodemesh-ca"));
  }

  @Test
  void withoutTheCaNoSecretRightIsAsked() {
    controller("controller", "--ca-secret=mesh-root", "--no-leader-election");
    reviews(p -> p.contains("secrets"));
    ClusterObjects.detail(run(), CheckItem.Status.PASS)
        .isEqualTo(
            "you can do all 57 things the controller needs (as Deployment"
                + " nodemesh/nodemesh-controller runs)");
    assertThat(asked).hasSize(57).noneMatch(p -> p.contains("secrets"));
  }

  @Test
  void withoutADeploymentTheChartsDefaultsStandIn() {
    reviews(p -> false);
    ClusterObjects.detail(run(), CheckItem.Status.PASS)
        .isEqualTo(
            "you can do all 60 things the controller needs (no Deployment"
                + " nodemesh/nodemesh-controller, so the chart's defaults)");
    assertThat(asked).contains("update secrets/nodemesh-ca in nodemesh");
  }

  @Test
  void aDeploymentYouMayNotReadMeansTheChartsDefaults() {
    server
        .expect()
        .get()
        .withPath("/apis/apps/v1/namespaces/nodemesh/deployments/nodemesh-controller")
        .andReturn(403, "{\"kind\":\"Status\",\"code\":403,\"reason\":\"Forbidden\"}")
        .always();
    reviews(p -> false);
    ClusterObjects.detail(run(), CheckItem.Status.PASS)
        .isEqualTo(
            "you can do all 60 things the controller needs (may not read Deployment"
                + " nodemesh/nodemesh-controller, so the chart's defaults)");
  }

  @Test
  void theLastOccurrenceOfAFlagWins() {
    ControllerFlags flags =
        new ControllerFlags(
            List.of("--ca", "--ca-secret=a", "--ca=false", "--ca-secret", "b", "--ca-secret"),
            "test");
    assertThat(flags.on("--ca")).isFalse();
    assertThat(flags.value("--ca-secret")).contains("b");
    assertThat(flags.on("--acl")).isFalse();
  }

  CheckItem run() {
    return new RbacCheck().run(CheckContexts.of(client, Instant.EPOCH));
  }

  /** The controller Deployment of the mesh namespace, its container run with {@code args}. */
  void controller(String... args) {
    ClusterObjects.put(
        client,
        new DeploymentBuilder()
            .withNewMetadata()
            .withName("nodemesh-controller")
            .withNamespace(ClusterObjects.NS)
            .endMetadata()
            .withNewSpec()
            .withNewTemplate()
            .withNewSpec()
            .addNewContainer()
            .withName("controller")
            .withArgs(args)
            .endContainer()
            .endSpec()
            .endTemplate()
            .endSpec()
            .build());
  }

  /** Answers every SelfSubjectAccessReview, recording it; denied where {@code denied} holds. */
  void reviews(Predicate<String> denied) {
    ClusterObjects.selfReviewsOf(
        server,
        client,
        a -> {
          String p =
              new RbacCheck.Permission(
                      a.getVerb(),
                      a.getGroup() == null ? "" : a.getGroup(),
                      a.getResource(),
                      a.getNamespace(),
                      a.getName())
                  .toString();
          asked.add(p);
          return denied.test(p);
        });
  }
}
