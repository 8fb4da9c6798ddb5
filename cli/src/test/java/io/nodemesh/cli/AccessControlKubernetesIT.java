package io.nodemesh.cli;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.nodemesh.controller.Controller;
import io.nodemesh.controller.source.InformerSource;
import io.nodemesh.proxy.NodeProxy;
import io.nodemesh.proxy.ProxyOptions;
import java.net.URI;
import org.junit.jupiter.api.Test;

/**
 * The ACL scenarios on the Kubernetes path: the controller on informers against the fabric8 mock
 * API server (CRUD mode), problems reported as Events, and the node proxy a separate component
 * that only talks to the controller over HTTP.
 */
@EnableKubernetesMockClient(crud = true)
class AccessControlKubernetesIT extends AclScenarios {
  static KubernetesClient client;

  @Test
  void everyScenarioOnTheKubernetesPath() throws Exception {
    world = new AclWorld();
    closing.add(world);
    Cluster api =
        new Cluster() {
          @Override
          public void put(HasMetadata o) {
            client.resource(o).createOr(r -> r.update());
          }

          @Override
          public void delete(HasMetadata o) {
            client.resource(o).delete();
          }
        };
    world.base().forEach(api::put);
    AclWorld.targets().forEach(api::put);
    // The controller has its own client, as in a cluster, so its watches never starve the test's.
    KubernetesClient own =
        new KubernetesClientBuilder()
            .withConfig(
                new ConfigBuilder(client.getConfiguration())
                    .withMaxConcurrentRequestsPerHost(64)
                    .build())
            .build();
    closing.add(own);
    controller = Controller.start(options(), new InformerSource(own, null), own);
    closing.add(controller);
    proxy =
        NodeProxy.start(
            new ProxyOptions(
                URI.create("http://127.0.0.1:" + controller.apiPort()),
                "127.0.0.1",
                0,
                -1,
                "node-a",
                1));
    closing.add(proxy);
    runScenarios(
        api,
        () ->
            client.v1().events().inNamespace(AclWorld.NS).list().getItems().stream()
                .map(
                    e ->
                        e.getInvolvedObject().getKind()
                            + " "
                            + e.getInvolvedObject().getNamespace()
                            + "/"
                            + e.getInvolvedObject().getName()
                            + ": "
                            + e.getMessage())
                .toList());
  }
}
