package io.nodemesh.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.controller.Controller;
import io.nodemesh.controller.ControllerOptions;
import io.nodemesh.controller.source.InformerSource;
import io.nodemesh.proxy.NodeProxy;
import io.nodemesh.smi.TrafficSplit;
import io.nodemesh.smi.TrafficSplitBackend;
import io.nodemesh.smi.TrafficSplitSpec;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Kubernetes path: the controller on informers against fabric8's mock API server (CRUD mode)
 * and a node proxy as a separate component that only talks to the controller over HTTP.
 */
@EnableKubernetesMockClient(crud = true)
class KubernetesMeshIT {
  static KubernetesClient client;

  private static final String NS = "shop";
  private static final String MESH_NS = "nodemesh";

  private DemoBackend v1;
  private DemoBackend v2;
  private Controller controller;
  private NodeProxy proxy;

  @BeforeEach
  void start() {
    v1 = DemoBackend.start("echo-v1", "127.0.0.1", 0);
    v2 = DemoBackend.start("echo-v2", "127.0.0.1", 0);
  }

  @AfterEach
  void stop() {
    Lifecycle.closeAll(
        proxy == null ? () -> {} : proxy, controller == null ? () -> {} : controller, v1, v2);
    controllerClients.forEach(KubernetesClient::close);
  }

  private static ControllerOptions options() {
    return TestControllers.options("it-controller");
  }

  private Controller startController() {
    KubernetesClient own = TestControllers.ownClient(client);
    controllerClients.add(own);
    return Controller.start(options(), new InformerSource(own, null), own);
  }

  private final List<KubernetesClient> controllerClients = new java.util.ArrayList<>();

  private void startProxy() {
    proxy = TestControllers.proxyOf(controller);
  }

  @Test
  void meshesSplitsReconfiguresAndKeepsPortsAcrossRestart() {
    // zeta first, alpha later: a fresh allocator that did not read the shadow Services back would
    // give alpha the lower port after a restart.
    service("zeta", 80);
    slice("zeta", v1.port());
    controller = startController();
    startProxy();
    await().atMost(Duration.ofSeconds(10)).until(() -> listener("zeta") != null);
    service("echo", 80);
    service("echo-v1", 80);
    service("echo-v2", 80);
    slice("echo", v1.port());
    slice("echo-v1", v1.port());
    slice("echo-v2", v2.port());
    split("echo", Map.of("echo-v1", 50, "echo-v2", 50));

    await().atMost(Duration.ofSeconds(10)).until(() -> proxyServes(4));
    int echoPort = listener("echo").proxyPort();
    assertThat(listener("zeta").proxyPort()).isLessThan(echoPort);

    // The shadow Service: in the mesh namespace, proxy selector, node-local, original port mapped
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(shadow("echo")).isNotNull());
    Service shadow = shadow("echo");
    assertThat(shadow.getMetadata().getNamespace()).isEqualTo(MESH_NS);
    assertThat(shadow.getMetadata().getName())
        .startsWith("echo-shop-")
        .hasSizeLessThanOrEqualTo(63);
    assertThat(shadow.getSpec().getInternalTrafficPolicy()).isEqualTo("Local");
    assertThat(shadow.getSpec().getSelector()).isEqualTo(options().proxySelector());
    ServicePort port = shadow.getSpec().getPorts().getFirst();
    assertThat(port.getPort()).isEqualTo(80);
    assertThat(port.getTargetPort()).isEqualTo(new IntOrString(echoPort));

    // 50/50 over real loopback backends
    URI echo = URI.create("http://127.0.0.1:" + echoPort + "/");
    assertThat(Traffic.split(echo, 200))
        .containsEntry("echo-v1", 100)
        .containsEntry("echo-v2", 100);

    // weight change
    split("echo", Map.of("echo-v1", 90, "echo-v2", 10));
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () ->
                assertThat(Traffic.split(echo, 100))
                    .containsEntry("echo-v1", 90)
                    .containsEntry("echo-v2", 10));

    // a backend Service deleted: its share goes to the remaining backend, with an Event
    client.services().inNamespace(NS).withName("echo-v2").delete();
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(Traffic.split(echo, 50)).containsOnlyKeys("echo-v1"));
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () ->
                assertThat(
                        client.v1().events().inNamespace(NS).list().getItems().stream()
                            .map(e -> e.getInvolvedObject().getName() + ": " + e.getMessage())
                            .toList())
                    .anySatisfy(m -> assertThat(m).startsWith("echo-split").contains("echo-v2")));
    assertThat(shadow("echo-v2")).as("orphaned shadow Service is deleted").isNull();

    // controller restart: the proxy keeps routing meanwhile, and every port allocation is kept
    Map<String, Integer> before = allocations(controller.currentConfig());
    controller.close();
    assertThat(Traffic.split(echo, 20)).containsOnlyKeys("echo-v1");
    controller = startController();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> allocations(controller.currentConfig()).size() == before.size());
    assertThat(allocations(controller.currentConfig())).isEqualTo(before);
  }

  private boolean proxyServes(int listeners) {
    MeshConfig config = controller.currentConfig();
    return config.listeners().size() == listeners
        && proxy.appliedVersion() == config.version()
        && config.listeners().stream()
            .anyMatch(l -> l.service().equals("echo") && !l.route().split().isEmpty());
  }

  private static Map<String, Integer> allocations(MeshConfig config) {
    return config.listeners().stream()
        .collect(
            Collectors.toMap(
                ListenerConfig::key, ListenerConfig::proxyPort, (a, b) -> a, TreeMap::new));
  }

  private ListenerConfig listener(String service) {
    return controller.currentConfig().listeners().stream()
        .filter(l -> l.namespace().equals(NS) && l.service().equals(service))
        .findFirst()
        .orElse(null);
  }

  private static Service shadow(String source) {
    return client
        .services()
        .inNamespace(MESH_NS)
        .withLabel("nodemesh.io/source-name", source)
        .list()
        .getItems()
        .stream()
        .filter(s -> NS.equals(s.getMetadata().getLabels().get("nodemesh.io/source-namespace")))
        .findFirst()
        .orElse(null);
  }

  private static void service(String name, int port) {
    TestControllers.createService(client, NS, name, port);
  }

  private static void slice(String service, int backendPort) {
    TestControllers.createSlice(client, NS, service, backendPort);
  }

  private static void split(String root, Map<String, Integer> weights) {
    TrafficSplit split = new TrafficSplit();
    split.getMetadata().setName(root + "-split");
    split.getMetadata().setNamespace(NS);
    TrafficSplitSpec spec = new TrafficSplitSpec();
    spec.setService(root);
    List<TrafficSplitBackend> backends =
        new TreeMap<>(weights)
            .entrySet().stream()
                .map(
                    e -> {
                      TrafficSplitBackend b = new TrafficSplitBackend();
                      b.setService(e.getKey());
                      b.setWeight(e.getValue());
                      return b;
                    })
                .toList();
    spec.setBackends(backends);
    split.setSpec(spec);
    client.resources(TrafficSplit.class).inNamespace(NS).resource(split).createOr(r -> r.update());
  }
}
