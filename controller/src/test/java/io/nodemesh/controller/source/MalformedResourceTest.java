package io.nodemesh.controller.source;

import static io.nodemesh.testkit.K8s.service;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.nodemesh.controller.Controller;
import io.nodemesh.controller.ControllerOptions;
import io.nodemesh.controller.common.Problem;
import io.nodemesh.smi.TCPMatch;
import io.nodemesh.smi.TCPRoute;
import io.nodemesh.smi.TCPRouteSpec;
import io.nodemesh.testkit.MockApi;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 8, "a port range can not crash the controller": custom resources that a CRD without a
 * schema (an older SMI install, another mesh's CRDs) lets through with values of the wrong type,
 * such as {@code ports: ["1-70000"]}. The controller still syncs and meshes everything else.
 */
@EnableKubernetesMockClient(crud = true)
class MalformedResourceTest {
  KubernetesClient client;
  Controller controller;

  @AfterEach
  void stop() {
    if (controller != null) {
      controller.close();
    }
  }

  @Test
  void aRouteWithAPortRangeWhereAPortBelongsDoesNotStopTheMesh() {
    MockApi.create(client, service("shop", "web", "http:80"));
    ResourceDefinitionContext tcpRoutes =
        new ResourceDefinitionContext.Builder()
            .withGroup("specs.smi-spec.io")
            .withVersion("v1alpha4")
            .withKind("TCPRoute")
            .withPlural("tcproutes")
            .withNamespaced(true)
            .build();
    GenericKubernetesResource bad =
        new GenericKubernetesResourceBuilder()
            .withApiVersion("specs.smi-spec.io/v1alpha4")
            .withKind("TCPRoute")
            .withNewMetadata()
            .withName("wide")
            .withNamespace("shop")
            .endMetadata()
            .withAdditionalProperties(
                Map.of("spec", Map.of("matches", Map.of("ports", List.of("1-70000", "a-b")))))
            .build();
    client.genericKubernetesResources(tcpRoutes).inNamespace("shop").resource(bad).create();
    TCPRoute good = new TCPRoute();
    good.getMetadata().setName("narrow");
    good.getMetadata().setNamespace("shop");
    good.setSpec(new TCPRouteSpec(new TCPMatch("m", List.of(80))));
    client.resources(TCPRoute.class).inNamespace("shop").resource(good).create();

    InformerSource source = new InformerSource(client, null);
    controller =
        Controller.start(
            ControllerOptions.defaults().withApi("127.0.0.1", 0).withLeaderElection(false, "t"),
            source,
            client);

    await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(
            () -> {
              assertThat(controller.currentConfig().listeners())
                  .extracting(l -> l.key())
                  .contains("shop/web:80");
              assertThat(controller.problems())
                  .map(Problem::toString)
                  .anyMatch(
                      p ->
                          p.startsWith(
                                  "TCPRoute shop/wide: spec: does not fit the TCPRoute schema,"
                                      + " object skipped: ")
                              && p.contains("1-70000"));
            });
    assertThat(source.snapshot().tcpRoutes())
        .extracting(r -> r.getMetadata().getName())
        .containsExactly("narrow");
    // An unchanged kind gives the very same objects again (the incremental compile relies on it).
    assertThat(source.snapshot().tcpRoutes().getFirst())
        .isSameAs(source.snapshot().tcpRoutes().getFirst());
  }
}
