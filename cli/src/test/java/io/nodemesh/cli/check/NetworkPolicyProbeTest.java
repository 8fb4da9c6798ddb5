package io.nodemesh.cli.check;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BiPredicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The NetworkPolicy probe's orchestration on the mock API server. The test plays kubelet and CNI:
 * the server pod runs, and a client pod ends Succeeded (it reached the server) unless a policy is
 * in its namespace when it starts and the scenario's CNI enforces it on that path, then Failed. No
 * real CNI runs here: whether the pods' own calls behave on a cluster is not shown by this test.
 */
@EnableKubernetesMockClient(crud = true)
class NetworkPolicyProbeTest {
  KubernetesClient client;
  KubernetesMockServer server;

  private final ExecutorService kubelet = Executors.newSingleThreadExecutor();
  private Watch watch;

  @BeforeEach
  void twoNodes() {
    ClusterObjects.node(client, "node-a", Map.of(), false);
    ClusterObjects.node(client, "node-b", Map.of(), false);
  }

  @AfterEach
  void stop() {
    if (watch != null) {
      watch.close();
    }
    kubelet.shutdownNow();
  }

  /** Plays kubelet and a CNI that blocks path ({@code same}, {@code cross}) when it enforces it. */
  private void cni(BiPredicate<String, Boolean> blocks) {
    watch =
        client
            .pods()
            .inAnyNamespace()
            .watch(
                new Watcher<>() {
                  @Override
                  public void eventReceived(Action action, Pod pod) {
                    if (action == Action.ADDED) {
                      kubelet.execute(() -> start(pod, blocks));
                    }
                  }

                  @Override
                  public void onClose(WatcherException cause) {}
                });
  }

  private void start(Pod pod, BiPredicate<String, Boolean> blocks) {
    String ns = pod.getMetadata().getNamespace();
    String role = pod.getMetadata().getLabels().get(ProbePods.ROLE_LABEL);
    boolean policy =
        !client.network().v1().networkPolicies().inNamespace(ns).list().getItems().isEmpty();
    String path = role.substring(0, role.indexOf('-') < 0 ? role.length() : role.indexOf('-'));
    client
        .pods()
        .inNamespace(ns)
        .withName(pod.getMetadata().getName())
        .editStatus(
            p -> {
              p.setStatus(new io.fabric8.kubernetes.api.model.PodStatus());
              if (role.equals("server")) {
                p.getStatus().setPhase("Running");
                p.getStatus().setPodIP("10.1.0.5");
              } else {
                p.getStatus().setPhase(blocks.test(path, policy) ? "Failed" : "Succeeded");
              }
              return p;
            });
  }

  private CheckItem probe(Duration total) {
    CheckContext c = CheckContexts.of(client, Instant.EPOCH);
    return new NetworkPolicyProbe(
            new NetworkPolicyProbe.Options("nodemesh:test", total, Duration.ofMillis(20), 0),
            () -> "t1")
        .run(c);
  }

  private static io.fabric8.kubernetes.api.model.Status forbidden(String message) {
    return new StatusBuilder().withCode(403).withReason("Forbidden").withMessage(message).build();
  }

  private void assertNoProbeNamespaceLeft() {
    assertThat(client.namespaces().withLabel(ProbePods.PROBE_LABEL).list().getItems()).isEmpty();
  }

  @Test
  void aCniThatEnforcesBothPathsPasses() {
    cni((path, policy) -> policy);
    ClusterObjects.detail(probe(Duration.ofSeconds(60)), CheckItem.Status.PASS)
        .startsWith("same-node: enforced, cross-node: enforced; namespace nodemesh-probe-")
        .endsWith(" deleted");
    assertNoProbeNamespaceLeft();
  }

  @Test
  void strictNamespacesOnACniThatDoesNotEnforceAreAWarning() {
    ClusterObjects.put(
        client,
        new NamespaceBuilder()
            .withNewMetadata()
            .withName("bank")
            .addToLabels("nodemesh.io/mtls", "strict")
            .endMetadata()
            .build());
    ClusterObjects.put(
        client, new NamespaceBuilder().withNewMetadata().withName("shop").endMetadata().build());
    ClusterObjects.put(
        client,
        new io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder(
                ProbePods.denyAll("shop"))
            .editMetadata()
            .withName("nodemesh-strict")
            .endMetadata()
            .build());
    cni((path, policy) -> false);
    ClusterObjects.detail(probe(Duration.ofSeconds(60)), CheckItem.Status.WARN)
        .contains("same-node: not enforced, cross-node: not enforced")
        .contains("same-node traffic is commonly not blocked")
        .contains("strict namespaces bank, shop rely on NetworkPolicy")
        .contains("does not enforce across nodes");
    assertNoProbeNamespaceLeft();
  }

  @Test
  void aCniThatEnforcesOnlyAcrossNodesPassesWithTheSameNodeNote() {
    cni((path, policy) -> policy && path.equals("cross"));
    ClusterObjects.detail(probe(Duration.ofSeconds(60)), CheckItem.Status.PASS)
        .startsWith("same-node: not enforced, cross-node: enforced")
        .contains("commonly not blocked");
    assertNoProbeNamespaceLeft();
  }

  @Test
  void podsThatStayPendingAreUnknownAndTheNamespaceIsDeleted() {
    ClusterObjects.detail(probe(Duration.ofSeconds(2)), CheckItem.Status.WARN)
        .startsWith(
            "same-node: unknown (the server pod did not run on node-a in time), cross-node:"
                + " unknown");
    assertNoProbeNamespaceLeft();
  }

  @Test
  void missingRightsSayWhatIsNeededAndLeaveNothingBehind() {
    server
        .expect()
        .post()
        .withPath("/api/v1/namespaces")
        .andReturn(
            403,
            forbidden(
                "namespaces is forbidden: User \"dev\" cannot create resource \"namespaces\""))
        .always();
    CheckItem item = probe(Duration.ofSeconds(60));
    ClusterObjects.detail(item, CheckItem.Status.WARN)
        .startsWith("not allowed to run the probe (")
        .contains("cannot create resource")
        .contains("leave out --probe-network-policy")
        .doesNotContain("\n")
        .doesNotContain("at io.");
    assertNoProbeNamespaceLeft();
  }

  @Test
  void rightsMissingHalfwayStillDeleteTheNamespace() {
    server
        .expect()
        .post()
        .withPath("/apis/networking.k8s.io/v1/namespaces/nodemesh-probe-t1/networkpolicies")
        .andReturn(403, forbidden("networkpolicies.networking.k8s.io is forbidden"))
        .always();
    cni((path, policy) -> policy);
    ClusterObjects.detail(probe(Duration.ofSeconds(60)), CheckItem.Status.WARN)
        .startsWith("not allowed to run the probe (")
        .contains("networkpolicies.networking.k8s.io is forbidden")
        .endsWith("; namespace nodemesh-probe-t1 deleted");
    assertNoProbeNamespaceLeft();
  }
}
