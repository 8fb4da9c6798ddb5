package io.nodemesh.controller;

import static io.nodemesh.testkit.K8s.service;
import static io.nodemesh.testkit.K8s.slice;
import static io.nodemesh.testkit.K8s.split;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.MeshConfigJson;
import io.nodemesh.controller.common.Problem;
import io.nodemesh.controller.shadow.ShadowNames;
import io.nodemesh.controller.source.InformerSource;
import io.nodemesh.smi.TrafficSplit;
import io.nodemesh.testkit.K8s;
import io.nodemesh.testkit.MockApi;
import io.nodemesh.testkit.Served;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The controller against the fabric8 mock API server in CRUD mode, as one replica (no election).
 */
@EnableKubernetesMockClient(crud = true)
class ControllerKubernetesTest {
  static KubernetesClient client;
  static final Duration WAIT = Duration.ofSeconds(10);
  static final Duration RESTART_WAIT = Duration.ofSeconds(60);

  final HttpClient http = HttpClient.newHttpClient();
  Controller controller;

  static ControllerOptions options() {
    return ControllerOptions.defaults().withApi("127.0.0.1", 0);
  }

  @BeforeEach
  void world() {
    MockApi.create(
        client,
        service("shop", "web", "http:80"),
        service("shop", "web-v1", "web:80"),
        service("shop", "web-v2", "main:80"),
        service("shop", "db", "5432", "metrics:9100"),
        slice("shop", "web", "http", 8080, "10.0.0.1"),
        slice("shop", "web-v1", "web", 8081, "10.0.1.1"),
        slice("shop", "web-v2", "main", 8082, "10.0.2.1"),
        split("shop", "canary", "web", "web-v1", 90, "web-v2", 10));
  }

  @AfterEach
  void stop() {
    if (controller != null) {
      controller.close();
    }
    controllerClients.forEach(KubernetesClient::close);
    http.close();
    // Retried: closing the controller's watches can stall the mock server for a few seconds.
    K8s.wipe(client, RESTART_WAIT);
  }

  /**
   * Each controller gets its own client, as each replica has in a cluster: its informers' watches
   * then never compete with this test's own requests for the shared client's connections (a restart
   * test used to time out acquiring one on a loaded machine).
   */
  Controller startController() {
    KubernetesClient own =
        new KubernetesClientBuilder()
            .withConfig(
                new ConfigBuilder(client.getConfiguration())
                    .withMaxConcurrentRequestsPerHost(64)
                    // The mock server's event loop can stall for seconds while it closes the
                    // watches of a stopped controller; a restarted one must outwait that.
                    .withConnectionTimeout(60_000)
                    .withRequestTimeout(60_000)
                    .build())
            .build();
    controllerClients.add(own);
    return Controller.start(options(), new InformerSource(own, null), own);
  }

  final java.util.List<KubernetesClient> controllerClients = new java.util.ArrayList<>();

  static Service shadow(String ns, String name) {
    return client
        .services()
        .inNamespace("nodemesh")
        .withName(ShadowNames.shadowName(ns, name))
        .get();
  }

  static Map<String, Integer> targetPorts(Service s) {
    return s.getSpec().getPorts().stream()
        .collect(Collectors.toMap(ServicePort::getName, p -> p.getTargetPort().getIntVal()));
  }

  static Map<String, Map<String, Integer>> allShadowPorts() {
    return client.services().inNamespace("nodemesh").list().getItems().stream()
        .collect(
            Collectors.toMap(
                s -> s.getMetadata().getName(), ControllerKubernetesTest::targetPorts));
  }

  HttpResponse<String> getConfig(String ifNoneMatch, int waitSeconds) throws Exception {
    var b =
        HttpRequest.newBuilder(
                URI.create(
                    "http://127.0.0.1:"
                        + controller.apiPort()
                        + "/api/v1/config?wait="
                        + waitSeconds))
            .timeout(Duration.ofSeconds(30));
    if (ifNoneMatch != null) {
      b.header("If-None-Match", ifNoneMatch);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static List<Integer> weights(MeshConfig c) {
    return Served.splitWeights(c, "shop/web:80");
  }

  @Test
  void writesOneShadowServicePerMeshedService() {
    controller = startController();

    await()
        .atMost(WAIT)
        .until(() -> shadow("shop", "db") != null && shadow("shop", "web-v2") != null);
    Service db = shadow("shop", "db");
    assertThat(db.getMetadata().getLabels())
        .containsEntry("app.kubernetes.io/managed-by", "nodemesh")
        .containsEntry("nodemesh.io/source-namespace", "shop")
        .containsEntry("nodemesh.io/source-name", "db");
    assertThat(db.getMetadata().getAnnotations()).containsEntry("nodemesh.io/source", "shop/db");
    assertThat(db.getSpec().getType()).isEqualTo("ClusterIP");
    assertThat(db.getSpec().getSelector())
        .isEqualTo(Map.of("app.kubernetes.io/name", "nodemesh-proxy"));
    assertThat(db.getSpec().getInternalTrafficPolicy()).isEqualTo("Local");
    assertThat(db.getSpec().getPorts())
        .extracting(ServicePort::getName, ServicePort::getPort, ServicePort::getProtocol)
        .containsExactlyInAnyOrder(
            // Neither port declares a protocol: both are detected (docs/protocols.md, rule 5).
            org.assertj.core.groups.Tuple.tuple("auto-5432", 5432, "TCP"),
            org.assertj.core.groups.Tuple.tuple("auto-9100", 9100, "TCP"));
    MeshConfig config = controller.currentConfig();
    for (ServicePort p : db.getSpec().getPorts()) {
      ListenerConfig l =
          config.listeners().stream()
              .filter(x -> x.key().equals("shop/db:" + p.getPort()))
              .findFirst()
              .orElseThrow();
      assertThat(p.getTargetPort()).isEqualTo(new IntOrString(l.proxyPort()));
      assertThat(l.proxyPort()).isBetween(5000, 9999);
    }
    assertThat(client.services().inNamespace("nodemesh").list().getItems()).hasSize(4);
  }

  @Test
  void deletingTheSourceServiceDeletesItsShadowAndNothingElse() {
    Service foreign =
        new io.fabric8.kubernetes.api.model.ServiceBuilder(
                service("nodemesh", "proxy-admin", "9901"))
            .editMetadata()
            .addToLabels("app", "other")
            .endMetadata()
            .build();
    client.services().inNamespace("nodemesh").resource(foreign).create();
    controller = startController();
    await().atMost(WAIT).until(() -> shadow("shop", "db") != null);

    client.services().inNamespace("shop").withName("db").delete();

    await().atMost(WAIT).until(() -> shadow("shop", "db") == null);
    assertThat(shadow("shop", "web")).isNotNull();
    assertThat(client.services().inNamespace("nodemesh").withName("proxy-admin").get()).isNotNull();
  }

  @Test
  void aRestartedControllerKeepsEveryAllocation() {
    controller = startController();
    await().atMost(WAIT).until(() -> allShadowPorts().size() == 4);
    Map<String, Map<String, Integer>> before = allShadowPorts();
    MeshConfig configBefore = controller.currentConfig();
    controller.close();

    // A new Service sorts first: without seeding it would take the lowest port and shift the rest.
    MockApi.create(client, service("aaa", "first", "80"));
    controller = startController();

    // Polled with the test's own client, which can time out while the mock server stalls (above).
    await().atMost(RESTART_WAIT).ignoreExceptions().until(() -> allShadowPorts().size() == 5);
    Map<String, Map<String, Integer>> after = allShadowPorts();
    assertThat(after).containsAllEntriesOf(before);
    for (ListenerConfig l : configBefore.listeners()) {
      assertThat(controller.currentConfig().listeners()).contains(l);
    }
  }

  @Test
  void problemsBecomeEventsOnTheOffendingObjectOnce() {
    controller = startController();
    MockApi.create(client, split("shop", "broken", "db", "db-v9", 1));

    await().atMost(WAIT).until(() -> !events("broken").isEmpty());
    Event e = events("broken").get(0);
    assertThat(e.getType()).isEqualTo("Warning");
    assertThat(e.getReason()).isEqualTo("BackendNotFound");
    assertThat(e.getInvolvedObject().getKind()).isEqualTo("TrafficSplit");
    assertThat(e.getInvolvedObject().getName()).isEqualTo("broken");
    assertThat(e.getMessage()).contains("spec.backends[0].service").contains("db-v9");
    assertThat(controller.problems()).extracting(Problem::name).contains("broken");

    // Unrelated changes recompile; the same problem must not produce another Event.
    MockApi.create(client, service("shop", "other", "81"));
    await().atMost(WAIT).until(() -> shadow("shop", "other") != null);
    assertThat(events("broken"))
        .hasSize(1)
        .first()
        .satisfies(x -> assertThat(x.getCount()).isEqualTo(1));
  }

  @Test
  void aBadPolicyAnnotationBecomesAnEventAndTheDefaultApplies() {
    controller = startController();
    MockApi.create(
        client,
        K8s.annotate(
            K8s.annotate(service("shop", "api", "80"), "nodemesh.io/lb-policy", "fastest"),
            "nodemesh.io/retry-attempts",
            "2"));

    await().atMost(WAIT).until(() -> !events("api").isEmpty());
    Event e = events("api").get(0);
    assertThat(e.getType()).isEqualTo("Warning");
    assertThat(e.getReason()).isEqualTo("InvalidAnnotation");
    assertThat(e.getInvolvedObject().getKind()).isEqualTo("Service");
    assertThat(e.getMessage())
        .contains("nodemesh.io/lb-policy")
        .contains("'fastest'")
        .contains("round-robin");
    ListenerConfig api =
        controller.currentConfig().listeners().stream()
            .filter(l -> l.key().equals("shop/api:80"))
            .findFirst()
            .orElseThrow();
    assertThat(api.policy().balancing().policy())
        .isEqualTo(io.nodemesh.config.ServicePolicy.LbPolicy.ROUND_ROBIN);
    assertThat(api.policy().retry().attempts()).isEqualTo(2);
  }

  static List<Event> events(String name) {
    return client.v1().events().inNamespace("shop").list().getItems().stream()
        .filter(ev -> name.equals(ev.getInvolvedObject().getName()))
        .toList();
  }

  @Test
  void servedConfigFollowsWeightChangesAndLongPollWakesUp() throws Exception {
    controller = startController();
    await().atMost(WAIT).until(() -> weights(controller.currentConfig()).equals(List.of(90, 10)));
    HttpResponse<String> first = getConfig(null, 0);
    assertThat(first.statusCode()).isEqualTo(200);
    String etag = first.headers().firstValue("ETag").orElseThrow();
    assertThat(weights(MeshConfigJson.read(first.body()))).containsExactly(90, 10);
    assertThat(getConfig(etag, 1).statusCode()).isEqualTo(304);

    CompletableFuture<HttpResponse<String>> poll =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return getConfig(etag, 20);
              } catch (Exception ex) {
                throw new IllegalStateException(ex);
              }
            });
    TrafficSplit s =
        client.resources(TrafficSplit.class).inNamespace("shop").withName("canary").get();
    s.getSpec().getBackends().get(0).setWeight(50);
    s.getSpec().getBackends().get(1).setWeight(50);
    client.resources(TrafficSplit.class).inNamespace("shop").resource(s).update();

    HttpResponse<String> woke = poll.get(15, TimeUnit.SECONDS);
    assertThat(woke.statusCode()).isEqualTo(200);
    assertThat(woke.headers().firstValue("ETag")).isNotEqualTo(java.util.Optional.of(etag));
    assertThat(weights(MeshConfigJson.read(woke.body()))).containsExactly(50, 50);
  }
}
