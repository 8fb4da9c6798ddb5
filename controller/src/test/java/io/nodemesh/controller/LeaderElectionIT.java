package io.nodemesh.controller;

import static io.nodemesh.testkit.K8s.service;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.nodemesh.controller.shadow.ShadowNames;
import io.nodemesh.controller.source.InformerSource;
import io.nodemesh.testkit.MockApi;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Two replicas with leader election against one mock API server: exactly one writes. */
@EnableKubernetesMockClient(crud = true)
class LeaderElectionIT {
  static KubernetesClient client;
  Controller a;
  Controller b;

  @AfterEach
  void stop() {
    Stream.of(a, b).filter(c -> c != null).forEach(Controller::close);
  }

  static Controller replica(String identity) {
    ControllerOptions o =
        ControllerOptions.defaults().withApi("127.0.0.1", 0).withLeaderElection(true, identity);
    return Controller.start(o, new InformerSource(client, null), client);
  }

  static double shadowWrites(Controller c) {
    return c.registry().get("nodemesh.controller.shadow.writes").counter().count();
  }

  static boolean shadowExists(String ns, String name) {
    return client
            .services()
            .inNamespace("nodemesh")
            .withName(ShadowNames.shadowName(ns, name))
            .get()
        != null;
  }

  @Test
  void exactlyOneReplicaWritesAndTheOtherTakesOverWhenItStops() {
    MockApi.create(client, service("shop", "web", "http:80"), service("shop", "db", "5432"));
    a = replica("replica-a");
    b = replica("replica-b");

    await().atMost(Duration.ofSeconds(20)).until(() -> a.isLeader() != b.isLeader());
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> shadowExists("shop", "web") && shadowExists("shop", "db"));
    Controller leader = a.isLeader() ? a : b;
    Controller follower = a.isLeader() ? b : a;
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> follower.currentConfig().listeners().equals(leader.currentConfig().listeners()));
    assertThat(shadowWrites(leader)).isEqualTo(2.0);
    assertThat(shadowWrites(follower)).isZero();
    assertThat(List.of(a.isLeader(), b.isLeader())).containsOnlyOnce(true);
    assertThat(
            client
                .leases()
                .inNamespace("nodemesh")
                .withName("nodemesh-controller")
                .get()
                .getSpec()
                .getHolderIdentity())
        .isIn("replica-a", "replica-b");

    leader.close();
    if (leader == a) {
      a = null;
    } else {
      b = null;
    }
    await().atMost(Duration.ofSeconds(30)).until(follower::isLeader);
    client.services().inNamespace("shop").withName("db").delete();

    await().atMost(Duration.ofSeconds(10)).until(() -> !shadowExists("shop", "db"));
    assertThat(shadowWrites(follower)).isEqualTo(1.0);
    assertThat(shadowExists("shop", "web")).isTrue();
  }
}
