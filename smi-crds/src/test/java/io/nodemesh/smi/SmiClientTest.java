package io.nodemesh.smi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The models work with a real fabric8 client: typed CRUD, typed informers, old-version YAML. */
@EnableKubernetesMockClient(crud = true)
class SmiClientTest {

  KubernetesClient client;

  @Test
  void informerDeliversTypedTrafficSplits() {
    try (SharedIndexInformer<TrafficSplit> informer =
        client.resources(TrafficSplit.class).inNamespace("shop").inform()) {
      TrafficSplit split = new TrafficSplit();
      split.setMetadata(
          new ObjectMetaBuilder().withNamespace("shop").withName("echo-split").build());
      split.setSpec(
          new TrafficSplitSpec(
              "echo",
              List.of(
                  new TrafficSplitBackend("echo-v1", 80), new TrafficSplitBackend("echo-v2", 20)),
              null));

      client.resources(TrafficSplit.class).inNamespace("shop").resource(split).create();

      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertThat(informer.getStore().list())
                      .singleElement()
                      .satisfies(
                          seen -> {
                            assertThat(seen.getMetadata().getName()).isEqualTo("echo-split");
                            assertThat(seen.getSpec()).isEqualTo(split.getSpec());
                          }));
    }
  }

  @Test
  void everyKindRoundTripsThroughTheApi() {
    for (String file :
        List.of(
            "httproutegroup-v1alpha4.yaml",
            "tcproute-v1alpha4.yaml",
            "udproute-v1alpha4.yaml",
            "traffictarget-v1alpha3.yaml")) {
      HasMetadata read =
          SmiKinds.unmarshal(client.getKubernetesSerialization(), SmiKindsTest.sample(file));

      client.resource(read).create();

      HasMetadata back =
          client
              .resources(read.getClass())
              .inNamespace(read.getMetadata().getNamespace())
              .withName(read.getMetadata().getName())
              .get();
      assertThat(back).as(file).isInstanceOf(read.getClass());
      assertThat(((io.fabric8.kubernetes.client.CustomResource<?, ?>) back).getSpec())
          .as(file)
          .isEqualTo(((io.fabric8.kubernetes.client.CustomResource<?, ?>) read).getSpec());
    }
  }

  @Test
  void clientSerializationReadsOlderVersionsOnceRegistered() {
    SmiKinds.register(client.getKubernetesSerialization());

    List<HasMetadata> loaded =
        client.resourceList(SmiKindsTest.sample("trafficsplit-v1alpha2.yaml")).items();

    assertThat(loaded).singleElement().isInstanceOf(TrafficSplit.class);
  }
}
