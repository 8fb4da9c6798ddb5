package io.nodemesh.controller.source;

import static io.nodemesh.testkit.K8s.service;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.nodemesh.testkit.MockApi;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true)
class InformerSourceTest {
  static KubernetesClient client;
  static KubernetesMockServer server;

  @Test
  void seesServicesAndRunsWithoutAnSmiCrdThatIsNotInstalled() {
    server
        .expect()
        .get()
        .withPath("/apis/split.smi-spec.io/v1alpha4/trafficsplits?resourceVersion=0")
        .andReturn(
            404,
            new StatusBuilder()
                .withCode(404)
                .withReason("NotFound")
                .withMessage("the server could not find the requested resource")
                .build())
        .always();
    MockApi.create(client, service("shop", "web", "80"));
    AtomicInteger changes = new AtomicInteger();

    try (InformerSource source = new InformerSource(client, null)) {
      source.start(changes::incrementAndGet);

      await().atMost(Duration.ofSeconds(10)).until(source::hasSynced);
      assertThat(source.snapshot().services())
          .extracting(s -> s.getMetadata().getName())
          .containsExactly("web");
      assertThat(source.snapshot().trafficSplits()).isEmpty();

      int before = changes.get();
      MockApi.create(client, service("shop", "db", "5432"));
      await().atMost(Duration.ofSeconds(5)).until(() -> source.snapshot().services().size() == 2);
      assertThat(changes.get()).isGreaterThan(before);
    }
  }

  @Test
  void watchesOnlyTheGivenNamespace() {
    MockApi.create(client, service("a", "one", "80"), service("b", "two", "80"));

    try (InformerSource source = new InformerSource(client, "a")) {
      source.start(() -> {});
      await().atMost(Duration.ofSeconds(10)).until(source::hasSynced);
      assertThat(source.snapshot().services())
          .extracting(s -> s.getMetadata().getName())
          .containsExactly("one");
    }
  }
}
