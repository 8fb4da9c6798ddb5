package io.nodemesh.controller;

import static io.nodemesh.testkit.K8s.service;
import static io.nodemesh.testkit.K8s.slice;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.controller.source.InformerSource;
import io.nodemesh.smi.TrafficSplit;
import io.nodemesh.testkit.K8s;
import io.nodemesh.testkit.Served;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Replays what Flagger writes during a canary of Deployment {@code podinfo} (docs/flagger.md)
 * against a controller on the mock API server, and checks the split the controller serves after
 * each write: the TrafficSplit created at 100/0 when the canary is initialised, the weight steps
 * 90/10 to 50/50 (stepWeight 10, maxWeight 50), and the promotion back to 100/0 on the primary.
 *
 * <p>Flagger's {@code smi} provider writes {@code split.smi-spec.io/v1alpha1} with quantity weights
 * ({@code "90"}), its {@code linkerd} and {@code smi:v1alpha2} providers v1alpha2 with integers.
 * The documents are written as Flagger sends them: a generic object, weights as they are on the
 * wire, owned by the Canary. The API server serves every version of our CRD from the one stored
 * object (conversion None): the controller, which watches the current version, gets Flagger's body
 * with only {@code apiVersion} changed. The mock server does not convert (it files an object under
 * the apiVersion in its body), so the test stores that served form.
 */
@EnableKubernetesMockClient(crud = true)
class FlaggerReplayTest {
  static KubernetesClient client;
  static final Duration WAIT = Duration.ofSeconds(20);
  static final String NS = "test";

  private final List<KubernetesClient> own = new ArrayList<>();
  private Controller controller;

  @AfterEach
  void stop() {
    if (controller != null) {
      controller.close();
    }
    own.forEach(KubernetesClient::close);
    K8s.wipe(client, Duration.ofSeconds(60));
  }

  @ParameterizedTest(name = "split.smi-spec.io/{0}")
  @ValueSource(strings = {"v1alpha1", "v1alpha2"})
  void aCanaryFromCreationThroughTheStepsToPromotion(String version) {
    world();
    controller = start();
    await().atMost(WAIT).until(() -> listener(controller.currentConfig()) != null);
    assertThat(split(controller.currentConfig())).isEmpty();

    // Initialisation: all traffic to the primary.
    write(version, 100, 0, true);
    awaitSplit(100, 0);
    // Analysis: stepWeight 10 up to maxWeight 50.
    for (int canary = 10; canary <= 50; canary += 10) {
      write(version, 100 - canary, canary, false);
      awaitSplit(100 - canary, canary);
    }
    // Promotion: the primary now runs the canary's spec, and gets all the traffic back.
    write(version, 100, 0, false);
    awaitSplit(100, 0);
    assertThat(controller.problems()).isEmpty();
  }

  /**
   * v1alpha1 as the SMI spec's own example writes it: {@code 1} and {@code 500m} are two thirds and
   * one third; the served split counts both in thousandths. A weight that is no quantity is a
   * problem on that field, and the split is left out rather than routed on a guess.
   */
  @org.junit.jupiter.api.Test
  void v1alpha1QuantityWeightsKeepTheirRatio() {
    world();
    controller = start();
    await().atMost(WAIT).until(() -> listener(controller.currentConfig()) != null);
    writeWeights(1, "500m", true);
    awaitSplit(1000, 500);
    writeWeights("2", "0.5", false);
    awaitSplit(2000, 500);
    writeWeights("2", "1Ki", false);
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(controller.problems())
                    .anySatisfy(p -> assertThat(p.field()).isEqualTo("spec.backends[0].weight")));
  }

  /** What Flagger creates before the first TrafficSplit. */
  private void world() {
    // The apex Service podinfo, and podinfo-primary and podinfo-canary selecting the two
    // Deployments.
    client.services().inNamespace(NS).resource(service(NS, "podinfo", "http:9898")).create();
    client
        .services()
        .inNamespace(NS)
        .resource(service(NS, "podinfo-primary", "http:9898"))
        .create();
    client.services().inNamespace(NS).resource(service(NS, "podinfo-canary", "http:9898")).create();
    for (var s :
        List.of(
            slice(NS, "podinfo", "http", 9898, "10.1.0.1", "10.1.0.2"),
            slice(NS, "podinfo-primary", "http", 9898, "10.1.0.1"),
            slice(NS, "podinfo-canary", "http", 9898, "10.1.0.2"))) {
      client.discovery().v1().endpointSlices().inNamespace(NS).resource(s).create();
    }
  }

  private void awaitSplit(int primary, int canary) {
    Map<String, Integer> expected = new LinkedHashMap<>();
    expected.put("podinfo-primary", primary);
    expected.put("podinfo-canary", canary);
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              ListenerConfig l = listener(controller.currentConfig());
              assertThat(split(controller.currentConfig()))
                  .as(
                      "problems %s, stored %s",
                      controller.problems(),
                      client.resources(TrafficSplit.class).inNamespace(NS).list().getItems())
                  .isEqualTo(expected);
              assertThat(l.route().splitName()).isEqualTo(NS + "/podinfo");
              // Each backend keeps its own endpoints.
              assertThat(l.route().split()).allSatisfy(b -> assertThat(b.endpoints()).hasSize(1));
            });
  }

  /** The TrafficSplit as Flagger's SMI provider writes it for {@code version}. */
  private void write(String version, int primary, int canary, boolean create) {
    boolean quantities = version.equals("v1alpha1");
    writeWeights(
        quantities ? Integer.toString(primary) : primary,
        quantities ? Integer.toString(canary) : canary,
        create);
  }

  /** The TrafficSplit {@code podinfo} with these weights, as they go on the wire. */
  private void writeWeights(Object primary, Object canary, boolean create) {
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("service", "podinfo");
    spec.put(
        "backends",
        List.of(
            // Flagger lists the canary first.
            Map.of("service", "podinfo-canary", "weight", canary),
            Map.of("service", "podinfo-primary", "weight", primary)));
    GenericKubernetesResource split = new GenericKubernetesResource();
    // As served at the version the controller watches (see the class comment).
    split.setApiVersion(
        io.fabric8.kubernetes.api.model.HasMetadata.getApiVersion(TrafficSplit.class));
    split.setKind("TrafficSplit");
    split.setMetadata(
        new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
            .withName("podinfo")
            .withNamespace(NS)
            .addNewOwnerReference()
            .withApiVersion("flagger.app/v1beta1")
            .withKind("Canary")
            .withName("podinfo")
            .withUid("0b6b3f5e-2d1c-4c39-9a51-000000000001")
            .withController(true)
            .withBlockOwnerDeletion(true)
            .endOwnerReference()
            .build());
    split.setAdditionalProperty("spec", spec);
    var resources =
        client
            .genericKubernetesResources(
                ResourceDefinitionContext.fromResourceType(TrafficSplit.class))
            .inNamespace(NS);
    if (create) {
      resources.resource(split).create();
    } else {
      resources.resource(split).update();
    }
  }

  private Controller start() {
    KubernetesClient c =
        new KubernetesClientBuilder()
            .withConfig(
                new ConfigBuilder(client.getConfiguration())
                    .withMaxConcurrentRequestsPerHost(64)
                    .build())
            .build();
    own.add(c);
    return Controller.start(
        ControllerOptions.defaults().withApi("127.0.0.1", 0), new InformerSource(c, null), c);
  }

  private static ListenerConfig listener(MeshConfig c) {
    return Served.listener(c, NS + "/podinfo:9898");
  }

  private static Map<String, Integer> split(MeshConfig c) {
    Map<String, Integer> m = new LinkedHashMap<>();
    ListenerConfig l = listener(c);
    if (l != null) {
      for (BackendConfig b : l.route().split()) {
        m.put(b.service(), b.weight());
      }
    }
    return m;
  }
}
