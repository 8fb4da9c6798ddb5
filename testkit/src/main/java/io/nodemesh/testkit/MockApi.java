package io.nodemesh.testkit;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

/**
 * The fabric8 mock API server as the controller's tests use it: objects in, a client of its own.
 */
public final class MockApi {
  private MockApi() {}

  /** Creates each object in its own namespace, in order. */
  public static void create(KubernetesClient client, HasMetadata... objects) {
    for (HasMetadata o : objects) {
      client.resource(o).create();
    }
  }

  /**
   * A second client to the same server, for the code under test to own and close. Its timeouts are
   * a minute: the mock server's event loop can stall for seconds while it closes the watches of a
   * stopped controller, the more so on a loaded machine.
   */
  public static KubernetesClient ownClient(KubernetesClient client) {
    return new KubernetesClientBuilder()
        .withConfig(
            new ConfigBuilder(client.getConfiguration())
                .withConnectionTimeout(60_000)
                .withRequestTimeout(60_000)
                .build())
        .build();
  }
}
