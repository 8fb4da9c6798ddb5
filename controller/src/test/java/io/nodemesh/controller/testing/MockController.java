package io.nodemesh.controller.testing;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.nodemesh.controller.Controller;
import io.nodemesh.controller.ControllerOptions;
import io.nodemesh.controller.source.InformerSource;

/**
 * A real controller against the fabric8 mock API server, on a client of its own with long timeouts
 * (closing a controller's watches can stall the mock server for seconds on a loaded machine).
 * Closing it stops the controller, then its client.
 */
public final class MockController implements AutoCloseable {
  private final KubernetesClient own;
  private final Controller controller;

  private MockController(KubernetesClient own, Controller controller) {
    this.own = own;
    this.controller = controller;
  }

  /** Starts a controller with {@code options} that watches all namespaces of {@code mock}. */
  public static MockController start(KubernetesClient mock, ControllerOptions options) {
    KubernetesClient own =
        new KubernetesClientBuilder()
            .withConfig(
                new ConfigBuilder(mock.getConfiguration())
                    .withConnectionTimeout(60_000)
                    .withRequestTimeout(60_000)
                    .build())
            .build();
    try {
      return new MockController(own, Controller.start(options, new InformerSource(own, null), own));
    } catch (RuntimeException e) {
      own.close();
      throw e;
    }
  }

  public Controller controller() {
    return controller;
  }

  @Override
  public void close() {
    controller.close();
    own.close();
  }
}
