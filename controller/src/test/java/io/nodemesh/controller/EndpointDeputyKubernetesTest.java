package io.nodemesh.controller;

import static io.nodemesh.testkit.K8s.endpoint;
import static io.nodemesh.testkit.K8s.pod;
import static io.nodemesh.testkit.K8s.service;
import static io.nodemesh.testkit.K8s.slice;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.ListenerAccess;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.controller.common.Problem;
import io.nodemesh.controller.common.ProblemReason;
import io.nodemesh.controller.source.InformerSource;
import io.nodemesh.testkit.Closing;
import io.nodemesh.testkit.K8s;
import io.nodemesh.testkit.MockApi;
import io.nodemesh.testkit.Served;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The confused-deputy endpoints of issue 13, against the controller and the mock API server: a
 * tenant who may write EndpointSlices in its own namespace points its Service at addresses that are
 * not its pods (its own ClusterIP, a node, another namespace's pod, that pod in IPv4-mapped IPv6
 * form). In ACL mode the access check only knows pods' service accounts, so before the fix it
 * skipped those endpoints and the proxy dialled them on the caller's behalf. Now they are left out
 * of the compiled config and reported, naming the slice and the address field.
 */
@EnableKubernetesMockClient(crud = true)
class EndpointDeputyKubernetesTest {
  static KubernetesClient client;
  static final Duration WAIT = Duration.ofSeconds(30);

  static final String CLUSTER_IP = "10.96.0.10";
  static final String NODE_IP = "192.168.1.20";
  static final String FOREIGN_POD = "10.0.0.5";

  KubernetesClient own;
  Controller controller;

  static EndpointSlice v6(EndpointSlice s) {
    return new EndpointSliceBuilder(s).withAddressType("IPv6").build();
  }

  @BeforeEach
  void world() {
    MockApi.create(
        client,
        pod("shop", "api-1", "api", "10.0.0.1"),
        pod("shop", "api-2", "api", "10.0.0.2"),
        pod("bank", "vault-1", "vault", FOREIGN_POD),
        new ServiceBuilder(service("shop", "api", "http:80"))
            .editSpec()
            .withClusterIP(CLUSTER_IP)
            .endSpec()
            .build());
    // What the EndpointSlice controller writes: kept.
    slices().resource(slice("shop", "api", "http", 8080, "10.0.0.1")).create();
    // What the tenant writes by hand.
    slices()
        .resource(
            slice(
                "shop",
                "api-manual",
                "api",
                "http",
                8080,
                List.of(
                    endpoint(CLUSTER_IP, true),
                    endpoint(NODE_IP, true),
                    endpoint(FOREIGN_POD, true))))
        .create();
    slices()
        .resource(
            v6(
                slice(
                    "shop",
                    "api-manual-v6",
                    "api",
                    "http",
                    8080,
                    List.of(endpoint("::ffff:10.0.0.5", true), endpoint("::ffff:10.0.0.2", true)))))
        .create();
  }

  io.fabric8.kubernetes.client.dsl.MixedOperation<
          EndpointSlice,
          io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceList,
          io.fabric8.kubernetes.client.dsl.Resource<EndpointSlice>>
      slices() {
    return client.discovery().v1().endpointSlices();
  }

  @RegisterExtension
  final Closing closing = new Closing().then(() -> K8s.wipe(client, Duration.ofSeconds(60)));

  Controller start(boolean acl) {
    own = closing.add(MockApi.ownClient(client));
    controller =
        closing.add(
            Controller.start(
                ControllerOptions.defaults().withApi("127.0.0.1", 0).withAcl(acl),
                new InformerSource(own, null),
                own));
    return controller;
  }

  ListenerConfig api() {
    return Served.listener(controller.currentConfig(), "shop/api:80");
  }

  List<String> apiEndpoints() {
    ListenerConfig l = api();
    return l == null
        ? List.of()
        : l.route().root().endpoints().stream().map(EndpointConfig::ip).sorted().toList();
  }

  List<Problem> notAPod() {
    return controller.problems().stream()
        .filter(p -> p.reason().equals(ProblemReason.ENDPOINT_NOT_A_POD))
        .toList();
  }

  @Test
  void inAclModeOnlyPodsOfTheServicesNamespaceAreEndpointsAndTheRestIsReported() {
    start(true);

    await().atMost(WAIT).until(() -> apiEndpoints().contains("10.0.0.2") && notAPod().size() == 4);

    // The normal slice's pod, and a pod of the namespace written as IPv4-mapped IPv6 (compared
    // as an address, written as the pod's IP).
    assertThat(apiEndpoints()).containsExactly("10.0.0.1", "10.0.0.2");
    assertThat(notAPod())
        .extracting(p -> p.name() + " " + p.field())
        .containsExactlyInAnyOrder(
            "api-manual endpoints[0].addresses[0]",
            "api-manual endpoints[1].addresses[0]",
            "api-manual endpoints[2].addresses[0]",
            "api-manual-v6 endpoints[0].addresses[0]");
    assertThat(notAPod())
        .allSatisfy(
            p -> {
              assertThat(p.kind()).isEqualTo("EndpointSlice");
              assertThat(p.namespace()).isEqualTo("shop");
            });
    assertThat(notAPod())
        .filteredOn(p -> p.name().equals("api-manual-v6"))
        .singleElement()
        .satisfies(
            p -> assertThat(p.message()).contains("::ffff:10.0.0.5").contains("bank/vault-1"));
    assertThat(notAPod())
        .filteredOn(
            p -> p.field().equals("endpoints[0].addresses[0]") && p.name().equals("api-manual"))
        .singleElement()
        .satisfies(
            p -> assertThat(p.message()).contains(CLUSTER_IP).contains("not the IP of a live pod"));

    // Every destination of the listener is a pod the access check knows.
    ListenerAccess access =
        controller.currentConfig().access().listeners().stream()
            .filter(a -> a.listener().equals("shop/api:80"))
            .findFirst()
            .orElseThrow();
    assertThat(access.destinations()).containsExactly("shop/api");

    // And the problems become Events on the slice.
    await()
        .atMost(WAIT)
        .until(
            () ->
                client.v1().events().inNamespace("shop").list().getItems().stream()
                    .anyMatch(
                        e ->
                            "api-manual".equals(e.getInvolvedObject().getName())
                                && ProblemReason.ENDPOINT_NOT_A_POD
                                    .eventReason()
                                    .equals(e.getReason())));
  }

  @Test
  void aPodThatAppearsAtAnAddressTurnsItIntoAnEndpoint() {
    start(true);
    await().atMost(WAIT).until(() -> notAPod().size() == 4);

    // The node IP becomes a pod of the namespace (say, a pod IP reused after the slice was
    // written): the endpoint is now legitimate and no longer reported.
    MockApi.create(client, pod("shop", "api-3", "api", NODE_IP));

    await().atMost(WAIT).until(() -> apiEndpoints().contains(NODE_IP));
    assertThat(notAPod()).hasSize(3).noneMatch(p -> p.message().contains(NODE_IP));
  }

  @Test
  void withoutAclModeTheSliceIsTakenAsItIs() {
    start(false);

    await().atMost(WAIT).until(() -> apiEndpoints().size() >= 5);
    assertThat(apiEndpoints()).contains(CLUSTER_IP, NODE_IP, FOREIGN_POD, "10.0.0.1");
    assertThat(notAPod()).isEmpty();
  }
}
