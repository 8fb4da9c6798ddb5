package io.nodemesh.controller.shadow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.Protocol;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.config.wire.ShadowLabels;
import io.nodemesh.controller.ControllerOptions;
import io.nodemesh.controller.common.Problem;
import io.nodemesh.controller.common.ProblemReason;
import io.nodemesh.controller.events.ProblemReporter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The shadow-name takeover of issue 13, played for real: with the hash cut to 8 bits (the test
 * seam), a tenant finds a Service name whose shadow name equals a victim's, as an attacker would
 * against the old 40-bit names, and the controller's reconciliation runs against the mock API
 * server. The victim keeps its shadow Service and ClusterIP; the attacker gets a Problem and an
 * Event.
 */
@EnableKubernetesMockClient(crud = true)
class ShadowCollisionTest {
  static KubernetesClient client;
  static final Duration WAIT = Duration.ofSeconds(30);
  static final ShadowServices.Namer SHORT = (ns, n) -> ShadowNames.shadowName(ns, n, 2);
  static final String MESH = "nodemesh";

  // 62 characters: the readable part of its shadow name is its first 60.
  static final String VICTIM = "payments-ledger-reconciliation-worker-" + "a".repeat(24);
  static final String ATTACKER = collidingName();
  static final String SHADOW = SHORT.name("shop", VICTIM);

  ShadowServices shadows;

  /** What the attacker does: same first 60 characters, then try suffixes until the hash fits. */
  static String collidingName() {
    String target = SHORT.name("shop", VICTIM);
    for (int i = 0; i < 36 * 36 * 36; i++) {
      String suffix = Integer.toString(i, 36);
      String name = VICTIM.substring(0, 60) + "0".repeat(3 - suffix.length()) + suffix;
      if (SHORT.name("tenant", name).equals(target)) {
        return name;
      }
    }
    throw new AssertionError("no collision in 46656 names for an 8-bit hash");
  }

  static ListenerConfig listener(String ns, String svc, int port, int proxyPort) {
    RouteConfig route = RouteConfig.direct(new BackendConfig(svc, 1, List.of()));
    return new ListenerConfig(ns, svc, port, Protocol.HTTP, proxyPort, route);
  }

  static Service source(String ns, String name, String created, String uid) {
    return new ServiceBuilder()
        .withNewMetadata()
        .withNamespace(ns)
        .withName(name)
        .withCreationTimestamp(created)
        .withUid(uid)
        .endMetadata()
        .withNewSpec()
        .endSpec()
        .build();
  }

  static final ListenerConfig VICTIM_80 = listener("shop", VICTIM, 80, 5000);
  static final ListenerConfig ATTACKER_80 = listener("tenant", ATTACKER, 80, 5001);
  static final ListenerConfig ATTACKER_9000 = listener("tenant", ATTACKER, 9000, 5002);

  static MeshConfig config(ListenerConfig... ls) {
    return new MeshConfig(1, "mesh", List.of(ls));
  }

  static Map<String, Service> sources(String victimCreated, String attackerCreated) {
    return Map.of(
        "shop/" + VICTIM, source("shop", VICTIM, victimCreated, "uid-victim"),
        "tenant/" + ATTACKER, source("tenant", ATTACKER, attackerCreated, "uid-attacker"));
  }

  ShadowServices start() {
    shadows =
        new ShadowServices(
            client,
            ControllerOptions.defaults().meshNamespace(),
            ControllerOptions.defaults().proxySelector(),
            () -> {},
            SHORT);
    shadows.start();
    await().atMost(WAIT).until(shadows::hasSynced);
    return shadows;
  }

  @AfterEach
  void stop() {
    if (shadows != null) {
      shadows.close();
    }
    client.services().inAnyNamespace().delete();
    client.v1().events().inAnyNamespace().delete();
  }

  /** Creates the victim's shadow and gives it a ClusterIP; returns its resourceVersion. */
  String victimShadowWithClusterIp(Map<String, Service> sources) {
    ShadowServices.Outcome first = shadows.reconcile(config(VICTIM_80), sources);
    assertThat(first.created()).isEqualTo(1);
    Service assigned =
        client
            .services()
            .inNamespace(MESH)
            .withName(SHADOW)
            .edit(
                s -> new ServiceBuilder(s).editSpec().withClusterIP("10.96.7.7").endSpec().build());
    String version = assigned.getMetadata().getResourceVersion();
    await()
        .atMost(WAIT)
        .until(
            () ->
                shadows.existing().stream()
                    .anyMatch(s -> version.equals(s.getMetadata().getResourceVersion())));
    return version;
  }

  void assertVictimKeepsItsShadow(String version) {
    Service shadow = client.services().inNamespace(MESH).withName(SHADOW).get();
    assertThat(shadow.getMetadata().getResourceVersion()).isEqualTo(version);
    assertThat(shadow.getMetadata().getLabels())
        .containsEntry(ShadowLabels.SOURCE_NAMESPACE_LABEL, "shop")
        .containsEntry(ShadowLabels.SOURCE_NAME_LABEL, VICTIM);
    assertThat(shadow.getSpec().getClusterIP()).isEqualTo("10.96.7.7");
    assertThat(shadow.getSpec().getPorts())
        .extracting(ServicePort::getName, p -> p.getTargetPort().getIntVal())
        .containsExactly(org.assertj.core.groups.Tuple.tuple("http-80", 5000));
    assertThat(client.services().inNamespace(MESH).list().getItems()).hasSize(1);
  }

  static void assertAttackerReported(List<Problem> problems) {
    assertThat(problems)
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.kind()).isEqualTo("Service");
              assertThat(p.namespace()).isEqualTo("tenant");
              assertThat(p.name()).isEqualTo(ATTACKER);
              assertThat(p.field()).isEqualTo("metadata.name");
              assertThat(p.reason()).isEqualTo(ProblemReason.SHADOW_NAME_COLLISION);
              assertThat(p.message()).contains(SHADOW).contains("shop/" + VICTIM);
            });
  }

  @Test
  void theCollisionIsReal() {
    assertThat(ATTACKER).isNotEqualTo(VICTIM).hasSizeLessThanOrEqualTo(63);
    assertThat(SHORT.name("tenant", ATTACKER)).isEqualTo(SHADOW);
    // With the real 64-bit suffix the same two names do not collide.
    assertThat(ShadowNames.shadowName("tenant", ATTACKER))
        .isNotEqualTo(ShadowNames.shadowName("shop", VICTIM));
  }

  @Test
  void aNewerServiceWithACollidingNameGetsAProblemAndAnEventNotTheVictimsShadow() {
    start();
    Map<String, Service> sources = sources("2026-01-01T00:00:00Z", "2026-06-01T00:00:00Z");
    String version = victimShadowWithClusterIp(sources);

    ShadowServices.Outcome attack =
        shadows.reconcile(config(VICTIM_80, ATTACKER_80, ATTACKER_9000), sources);

    assertThat(attack.created() + attack.updated() + attack.deleted()).isZero();
    assertVictimKeepsItsShadow(version);
    assertAttackerReported(attack.problems());

    new ProblemReporter(client, () -> true, "test").report(attack.problems());
    List<Event> events = client.v1().events().inNamespace("tenant").list().getItems();
    assertThat(events)
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.getType()).isEqualTo("Warning");
              assertThat(e.getReason()).isEqualTo("ShadowNameCollision");
              assertThat(e.getInvolvedObject().getKind()).isEqualTo("Service");
              assertThat(e.getInvolvedObject().getName()).isEqualTo(ATTACKER);
              assertThat(e.getMessage()).contains("shop/" + VICTIM);
            });
    assertThat(client.v1().events().inNamespace("shop").list().getItems()).isEmpty();
  }

  @Test
  void aShadowLabelledForAnotherServiceIsNeverEditedEvenForAnOlderClaimant() {
    start();
    // The attacker's Service is older (it was kept out of the mesh, then joined), yet the shadow
    // already serves the victim: taking it would hand the victim's ClusterIP to the attacker.
    Map<String, Service> sources = sources("2026-01-01T00:00:00Z", "2025-01-01T00:00:00Z");
    String version = victimShadowWithClusterIp(sources);

    ShadowServices.Outcome attack = shadows.reconcile(config(ATTACKER_80, VICTIM_80), sources);

    assertThat(attack.updated()).isZero();
    assertVictimKeepsItsShadow(version);
    assertAttackerReported(attack.problems());
  }

  @Test
  void aShadowWhoseServiceLeftTheMeshIsDeletedAndTheNameGoesToTheNextClaimant() {
    start();
    Map<String, Service> sources = sources("2026-01-01T00:00:00Z", "2026-06-01T00:00:00Z");
    victimShadowWithClusterIp(sources);

    ShadowServices.Outcome gone = shadows.reconcile(config(ATTACKER_80), sources);
    assertThat(gone.deleted()).isEqualTo(1);
    assertThat(gone.created()).isZero();
    await().atMost(WAIT).until(() -> shadows.existing().isEmpty());
    ShadowServices.Outcome next = shadows.reconcile(config(ATTACKER_80), sources);

    assertThat(next.created()).isEqualTo(1);
    assertThat(next.problems()).isEmpty();
    assertThat(client.services().inNamespace(MESH).withName(SHADOW).get().getMetadata().getLabels())
        .containsEntry(ShadowLabels.SOURCE_NAME_LABEL, ATTACKER);
  }

  @Test
  void withNoShadowYetTheOlderClaimantWinsAndUidBreaksATie() {
    MeshConfig both = config(ATTACKER_80, VICTIM_80);
    Map<String, String> selector = Map.of("app", "proxy");

    List<String> winners = new ArrayList<>();
    for (Map<String, Service> sources :
        List.of(
            sources("2026-01-01T00:00:00Z", "2026-06-01T00:00:00Z"),
            sources("2026-06-01T00:00:00Z", "2026-01-01T00:00:00Z"),
            sources("2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z"))) {
      ShadowServices.Plan plan =
          ShadowServices.plan(both, MESH, selector, SHORT, sources, List.of());
      assertThat(plan.services()).containsOnlyKeys(SHADOW);
      assertThat(plan.problems()).hasSize(1);
      Service winner = plan.services().get(SHADOW);
      winners.add(winner.getMetadata().getLabels().get(ShadowLabels.SOURCE_NAME_LABEL));
    }

    // uid-attacker sorts before uid-victim.
    assertThat(winners).containsExactly(VICTIM, ATTACKER, ATTACKER);
  }
}
