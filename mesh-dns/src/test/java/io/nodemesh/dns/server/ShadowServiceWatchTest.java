package io.nodemesh.dns.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.nodemesh.config.wire.ShadowLabels;
import java.net.InetAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true)
class ShadowServiceWatchTest {
  KubernetesClient client;

  @Test
  void namesFollowTheShadowServices() throws Exception {
    MeshNames names = new MeshNames();
    // A Service in the mesh namespace that is not a shadow: never answered.
    Service notAShadow =
        new ServiceBuilder(MeshDnsServerTest.shadow("nodemesh-controller", "x", "y", "10.96.0.2"))
            .editMetadata()
            .removeFromLabels(ShadowLabels.MANAGED_BY_LABEL)
            .endMetadata()
            .build();
    client.services().inNamespace("nodemesh").resource(notAShadow).create();
    try (ShadowServiceWatch watch = ShadowServiceWatch.start(client, "nodemesh", names)) {
      await().atMost(Duration.ofSeconds(10)).until(names::loaded);
      assertThat(names.size()).isZero();

      Service shadow =
          MeshDnsServerTest.shadow("whoami-shop-1a2b3c4d5e", "shop", "whoami", "10.96.1.1");
      client.services().inNamespace("nodemesh").resource(shadow).create();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> names.lookup("whoami", "shop").contains(InetAddress.getByName("10.96.1.1")));

      client.services().inNamespace("nodemesh").withName("whoami-shop-1a2b3c4d5e").delete();
      await().atMost(Duration.ofSeconds(10)).until(() -> names.lookup("whoami", "shop").isEmpty());
      assertThat(names.lookup("y", "x")).isEmpty();
    }
  }
}
