package io.nodemesh.cli.check;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.ResourceAttributes;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewStatus;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Map;
import java.util.function.Predicate;
import org.assertj.core.api.AbstractStringAssert;

/**
 * The cluster objects the check tests put on the mock API server, once for the whole-cluster test
 * ({@link ClusterCheckTest}) and the tests of one item each.
 */
final class ClusterObjects {
  static final String NS = "nodemesh";

  private ClusterObjects() {}

  /** Creates or replaces {@code o} in its namespace (or cluster-wide when it has none). */
  static <T extends HasMetadata> void put(KubernetesClient client, T o) {
    client.resource(o).createOr(op -> op.update());
  }

  /**
   * An SMI CRD {@code plural.group} serving {@code served}, and listing each of {@code unserved}
   * (neither served nor stored) after it.
   */
  static void crd(KubernetesClient client, String name, String served, String... unserved) {
    String plural = name.substring(0, name.indexOf('.'));
    var spec =
        new CustomResourceDefinitionBuilder()
            .withNewMetadata()
            .withName(name)
            .endMetadata()
            .withNewSpec()
            .withGroup(name.substring(name.indexOf('.') + 1))
            .withScope("Namespaced")
            .withNewNames()
            .withPlural(plural)
            .withKind("K" + plural)
            .endNames()
            .addNewVersion()
            .withName(served)
            .withServed(true)
            .withStorage(true)
            .endVersion();
    for (String v : unserved) {
      spec.addNewVersion().withName(v).withServed(false).withStorage(false).endVersion();
    }
    put(client, spec.endSpec().build());
  }

  /** Every CRD of {@code entries} ({@code name=version}, as {@link CrdsCheck#CRDS}). */
  static void crds(KubernetesClient client, Iterable<String> entries, String... unserved) {
    for (String entry : entries) {
      int eq = entry.indexOf('=');
      crd(client, entry.substring(0, eq), entry.substring(eq + 1), unserved);
    }
  }

  /** The controller's leader Lease, held by {@code holder} and last renewed at {@code renewed}. */
  static void lease(KubernetesClient client, String holder, Instant renewed) {
    put(
        client,
        new LeaseBuilder()
            .withNewMetadata()
            .withName("nodemesh-controller")
            .withNamespace(NS)
            .endMetadata()
            .withNewSpec()
            .withHolderIdentity(holder)
            .withLeaseDurationSeconds(15)
            .withRenewTime(ZonedDateTime.ofInstant(renewed, ZoneOffset.UTC))
            .endSpec()
            .build());
  }

  /** The controller Deployment, one replica, run with {@code --no-leader-election}. */
  static void controllerWithoutElection(KubernetesClient client) {
    put(
        client,
        new DeploymentBuilder()
            .withNewMetadata()
            .withName("nodemesh-controller")
            .withNamespace(NS)
            .endMetadata()
            .withNewSpec()
            .withReplicas(1)
            .withNewTemplate()
            .withNewSpec()
            .addNewContainer()
            .withName("controller")
            .withArgs("controller", "--no-leader-election")
            .endContainer()
            .endSpec()
            .endTemplate()
            .endSpec()
            .build());
  }

  /** A node with {@code labels}; cordoned when {@code unschedulable}. */
  static void node(
      KubernetesClient client, String name, Map<String, String> labels, boolean unschedulable) {
    var node = new NodeBuilder().withNewMetadata().withName(name).withLabels(labels).endMetadata();
    if (unschedulable) {
      node.withNewSpec().withUnschedulable(true).endSpec();
    }
    put(client, node.build());
  }

  /** A pod of app {@code app} on {@code node}, with its Ready condition; no phase. */
  static PodBuilder pod(String ns, String name, String node, String app, boolean ready) {
    return new PodBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(ns)
        .addToLabels("app.kubernetes.io/name", app)
        .endMetadata()
        .withNewSpec()
        .withNodeName(node)
        .endSpec()
        .withNewStatus()
        .addNewCondition()
        .withType("Ready")
        .withStatus(ready ? "True" : "False")
        .endCondition()
        .endStatus();
  }

  /** The chart's proxy pod on {@code node}, {@code nodemesh-proxy-<node>}. */
  static void proxyPod(KubernetesClient client, String node, boolean ready) {
    put(client, pod(NS, "nodemesh-proxy-" + node, node, "nodemesh-proxy", ready).build());
  }

  /**
   * Answers every SelfSubjectAccessReview on {@code server}: allowed unless {@code denied} holds
   * for its {@code "verb resource"}.
   */
  static void selfReviews(
      KubernetesMockServer server, KubernetesClient client, Predicate<String> denied) {
    selfReviewsOf(server, client, a -> denied.test(a.getVerb() + " " + a.getResource()));
  }

  /** As above, with the whole of each review's resource attributes. */
  static void selfReviewsOf(
      KubernetesMockServer server, KubernetesClient client, Predicate<ResourceAttributes> denied) {
    server
        .expect()
        .post()
        .withPath("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews")
        .andReply(201, r -> reviewOf(client, r.getUtf8Body(), denied))
        .always();
  }

  static SelfSubjectAccessReview review(
      KubernetesClient client, String body, Predicate<String> denied) {
    return reviewOf(client, body, a -> denied.test(a.getVerb() + " " + a.getResource()));
  }

  private static SelfSubjectAccessReview reviewOf(
      KubernetesClient client, String body, Predicate<ResourceAttributes> denied) {
    SelfSubjectAccessReview review =
        client.getKubernetesSerialization().unmarshal(body, SelfSubjectAccessReview.class);
    var a = review.getSpec().getResourceAttributes();
    review.setStatus(new SubjectAccessReviewStatus(!denied.test(a), false, null, null));
    return review;
  }

  /** Asserts that {@code item} fails, and hands on its detail for the rest. */
  static AbstractStringAssert<?> failsWith(CheckItem item) {
    return detail(item, CheckItem.Status.FAIL);
  }

  /** Asserts that {@code item} has {@code status}, and hands on its detail for the rest. */
  static AbstractStringAssert<?> detail(CheckItem item, CheckItem.Status status) {
    assertThat(item.status()).as(item.line()).isEqualTo(status);
    return assertThat(item.detail());
  }
}
