package io.nodemesh.cli;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.nodemesh.controller.Controller;
import io.nodemesh.controller.ControllerOptions;
import io.nodemesh.controller.api.ApiSecurity;
import io.nodemesh.controller.api.ApiTls;
import io.nodemesh.controller.identity.IdentitySettings;
import io.nodemesh.controller.source.InformerSource;
import io.nodemesh.proxy.NodeProxy;
import io.nodemesh.proxy.ProxyOptions;
import io.nodemesh.testkit.K8s;
import io.nodemesh.testkit.Pods;
import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * What the Kubernetes-mode tests share to run a controller against fabric8's mock API server, and
 * to put Services and EndpointSlices into it.
 */
final class TestControllers {
  private TestControllers() {}

  /**
   * A single replica (no leader election) in the default mesh namespace, API on an ephemeral
   * loopback port, this JVM's proxy port ranges, and a short debounce.
   */
  static ControllerOptions options(String identity) {
    return options(identity, Duration.ofMillis(20), Duration.ofSeconds(1));
  }

  /** As {@link #options(String)}, with the debounce and maximum delay the controller ships with. */
  static ControllerOptions shippedDebounce(String identity) {
    ControllerOptions d = ControllerOptions.defaults();
    return options(identity, d.debounce(), d.maxDelay());
  }

  private static ControllerOptions options(String identity, Duration debounce, Duration maxDelay) {
    ControllerOptions d = ControllerOptions.defaults();
    return new ControllerOptions(
        d.meshNamespace(),
        "mesh",
        "127.0.0.1",
        0,
        TestPorts.range(0),
        TestPorts.range(1),
        TestPorts.range(2),
        debounce,
        maxDelay,
        false,
        identity,
        null,
        d.proxySelector());
  }

  /**
   * A client of the controller's own, as in a cluster, so that its watches never starve the test's;
   * the caller closes it.
   */
  static KubernetesClient ownClient(KubernetesClient client) {
    return new KubernetesClientBuilder()
        .withConfig(
            new ConfigBuilder(client.getConfiguration())
                .withMaxConcurrentRequestsPerHost(64)
                .build())
        .build();
  }

  /** Creates Service {@code ns/name} with one port named {@code http}. */
  static void createService(KubernetesClient client, String ns, String name, int port) {
    client
        .services()
        .inNamespace(ns)
        .resource(
            new ServiceBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(ns)
                .endMetadata()
                .withNewSpec()
                .addNewPort()
                .withName("http")
                .withPort(port)
                .withTargetPort(new IntOrString(8080))
                .withProtocol("TCP")
                .endPort()
                .endSpec()
                .build())
        .create();
  }

  /** Creates the EndpointSlice of {@code ns/service}: one ready endpoint, 127.0.0.1:backendPort. */
  static void createSlice(KubernetesClient client, String ns, String service, int backendPort) {
    EndpointSlice slice =
        K8s.slice(
            ns,
            service + "-abc",
            service,
            "http",
            backendPort,
            List.of(Pods.endpointOn("127.0.0.1", "node-a")));
    client.discovery().v1().endpointSlices().inNamespace(ns).resource(slice).create();
  }

  /**
   * The real controller with its API on TLS of {@code pki} and its CA on, in trust domain {@code
   * td}: proxies authenticate as the chart's {@code nodemesh-proxy} ServiceAccount.
   */
  static Controller withCa(KubernetesClient client, InformerSource source, TestCa pki, String td) {
    return Controller.start(
        ControllerOptions.defaults().withApi("127.0.0.1", 0),
        source,
        client,
        new ApiSecurity("nodemesh-proxy", true, new ApiTls(pki.tlsCert, pki.tlsKey)),
        IdentitySettings.defaults().withTrustDomain(td));
  }

  /** A node proxy for {@code node-a} on 127.0.0.1 that takes its config from {@code controller}. */
  static NodeProxy proxyOf(Controller controller) {
    return NodeProxy.start(
        new ProxyOptions(
            URI.create("http://127.0.0.1:" + controller.apiPort()),
            "127.0.0.1",
            0,
            -1,
            "node-a",
            1));
  }
}
