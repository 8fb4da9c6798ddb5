package io.nodemesh.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.controller.common.Problem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GAMMA HTTPRoutes in local mode: read from the directory's YAML next to the Services, followed on
 * edit through a Flagger-style series of weight steps, and preferred over a TrafficSplit on the
 * same Service (issue 17).
 */
class GammaLocalTest {
  @TempDir Path dir;
  Controller controller;

  @AfterEach
  void stop() {
    if (controller != null) {
      controller.close();
    }
  }

  static String route(int canary) {
    return """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: web}
        spec:
          parentRefs: [{name: web, kind: Service, group: ""}]
          rules:
          - backendRefs:
            - {name: web-v1, port: 80, weight: %d}
            - {name: web-v2, port: 80, weight: %d}
        """
        .formatted(100 - canary, canary);
  }

  /** The weights of the route's rule, or of the TrafficSplit when no rule is in force. */
  List<Integer> weights() {
    return controller.currentConfig().listeners().stream()
        .filter(l -> l.key().equals("default/web:80"))
        .findFirst()
        .map(ListenerConfig::route)
        .map(
            r ->
                (r.rules().isEmpty() ? r.split() : r.rules().get(0).backends())
                    .stream().map(BackendConfig::weight).toList())
        .orElse(List.of());
  }

  @Test
  void weightStepsInTheRouteFileMoveTheSplitAndTheRouteBeatsTheSplit() throws Exception {
    ControllerLocalTest.writeWorld(dir, 50, 50);
    Files.writeString(dir.resolve("route.yaml"), route(0));
    controller = ControllerLocalTest.startOn(dir);
    for (int w : List.of(0, 10, 30, 60, 100)) {
      Files.writeString(dir.resolve("route.yaml"), route(w));
      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(() -> assertThat(weights()).containsExactly(100 - w, w));
    }
    assertThat(controller.problems())
        .anySatisfy(
            p -> {
              assertThat(p.kind()).isEqualTo("TrafficSplit");
              assertThat(p.reason().eventReason()).isEqualTo("OverriddenByRoute");
            });

    // Removing the route gives the Service back to its TrafficSplit.
    Files.delete(dir.resolve("route.yaml"));
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(() -> assertThat(weights()).containsExactly(50, 50));
    assertThat(controller.problems())
        .extracting((Problem p) -> p.reason().eventReason())
        .doesNotContain("OverriddenByRoute");
  }
}
