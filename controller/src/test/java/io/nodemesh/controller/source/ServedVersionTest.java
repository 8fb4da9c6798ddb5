package io.nodemesh.controller.source;

import static io.nodemesh.testkit.K8s.service;
import static io.nodemesh.testkit.K8s.slice;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.APIResourceBuilder;
import io.fabric8.kubernetes.api.model.APIResourceListBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.nodemesh.config.BackendConfig;
import io.nodemesh.controller.Controller;
import io.nodemesh.controller.ControllerOptions;
import io.nodemesh.smi.TrafficSplit;
import io.nodemesh.testkit.MockApi;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A cluster that kept another project's TrafficSplit CRD, served only as v1alpha1 (what Flagger's
 * and Linkerd's older charts install; Helm does not replace an existing CRD): the controller asks
 * discovery which version is served, watches v1alpha1, and routes the split Flagger wrote there.
 * Watching the current version would find no CRD and route nothing.
 */
@EnableKubernetesMockClient(crud = true)
class ServedVersionTest {
  static KubernetesClient client;
  static KubernetesMockServer server;

  @Test
  void trafficSplitServedOnlyAsV1alpha1IsWatchedThere() {
    for (String v : List.of("v1alpha4", "v1alpha3", "v1alpha2")) {
      server.expect().get().withPath("/apis/split.smi-spec.io/" + v).andReturn(404, "").always();
    }
    server
        .expect()
        .get()
        .withPath("/apis/split.smi-spec.io/v1alpha1")
        .andReturn(
            200,
            new APIResourceListBuilder()
                .withGroupVersion("split.smi-spec.io/v1alpha1")
                .withResources(
                    new APIResourceBuilder()
                        .withName("trafficsplits")
                        .withKind("TrafficSplit")
                        .withNamespaced(true)
                        .withVerbs("get", "list", "watch")
                        .build())
                .build())
        .always();
    assertThat(InformerSource.servedVersion(client, TrafficSplit.class).getVersion())
        .isEqualTo("v1alpha1");

    for (String name : List.of("web", "web-v1", "web-v2")) {
      MockApi.create(
          client,
          service("shop", name, "http:80"),
          slice("shop", name, "http", 8080, "10.0.0." + (name.length())));
    }
    ResourceDefinitionContext v1alpha1 =
        new ResourceDefinitionContext.Builder()
            .withGroup("split.smi-spec.io")
            .withVersion("v1alpha1")
            .withKind("TrafficSplit")
            .withPlural("trafficsplits")
            .withNamespaced(true)
            .build();
    GenericKubernetesResource split = new GenericKubernetesResource();
    split.setApiVersion("split.smi-spec.io/v1alpha1");
    split.setKind("TrafficSplit");
    split.setMetadata(new ObjectMetaBuilder().withName("web").withNamespace("shop").build());
    split.setAdditionalProperty(
        "spec",
        Map.of(
            "service",
            "web",
            "backends",
            List.of(
                Map.of("service", "web-v1", "weight", "80"),
                Map.of("service", "web-v2", "weight", "20"))));
    client.genericKubernetesResources(v1alpha1).inNamespace("shop").resource(split).create();

    try (Controller controller =
        Controller.start(
            ControllerOptions.defaults().withApi("127.0.0.1", 0),
            new InformerSource(client, null),
            client)) {
      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(
              () ->
                  assertThat(
                          controller.currentConfig().listeners().stream()
                              .filter(l -> l.key().equals("shop/web:80"))
                              .flatMap(l -> l.route().split().stream())
                              .map(BackendConfig::weight)
                              .toList())
                      .containsExactly(80, 20));
    }
  }
}
