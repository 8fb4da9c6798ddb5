package io.nodemesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.nodemesh.controller.Controller;
import io.nodemesh.controller.source.InformerSource;
import io.nodemesh.testkit.K8s;
import java.net.URI;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ACL scenarios on the Kubernetes path: the controller on informers against the fabric8 mock
 * API server (CRUD mode), problems reported as Events, and the node proxy a separate component that
 * only talks to the controller over HTTP.
 */
@EnableKubernetesMockClient(crud = true)
class AccessControlKubernetesIT extends AclScenarios {
  static KubernetesClient client;
  static KubernetesMockServer server;

  @TempDir Path dir;

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
    KubernetesClient own = TestControllers.ownClient(client);
    closing.add(own);
    controller = Controller.start(options(), new InformerSource(own, null), own);
    closing.add(controller);
    proxy = TestControllers.proxyOf(controller);
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
    explainThroughTheApiServer();
  }

  /**
   * {@code explain --via-api-server} reaches the controller through the API server's service proxy
   * with a kubeconfig; the mock API server stands in for that proxy and answers what the controller
   * answers.
   */
  private void explainThroughTheApiServer() throws Exception {
    ExplainCommand q = new ExplainCommand();
    q.from = "default/batch-1";
    q.to = "db.shop.mesh:5432";
    q.method = "GET";
    q.path = "/";
    String query = q.query();
    String direct;
    try (java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient()) {
      direct =
          http.send(
                  java.net.http.HttpRequest.newBuilder(
                          URI.create("http://127.0.0.1:" + controller.apiPort() + query))
                      .build(),
                  java.net.http.HttpResponse.BodyHandlers.ofString())
              .body();
    }
    server
        .expect()
        .get()
        .withPath(
            "/api/v1/namespaces/nodemesh/services/https:nodemesh-controller:api/proxy" + query)
        .andReturn(200, direct)
        .once();
    Path kubeconfig = dir.resolve("kubeconfig");
    K8s.kubeconfig(kubeconfig, client.getMasterUrl().toString(), "tester", "secret");
    CliTest.Result r =
        CliTest.run(
            "explain",
            "--via-api-server",
            "--kubeconfig",
            kubeconfig.toString(),
            "--from",
            "default/batch-1",
            "--to",
            "db.shop.mesh:5432");
    assertThat(r.err()).isEmpty();
    assertThat(r.code()).isZero();
    assertThat(r.out())
        .startsWith(
            "ALLOWED: TrafficTarget shop/batch-to-db allows sa default/batch (TCPRoute shop/db-port)")
        .contains("db weight 1: 127.0.0.12:");
  }
}
