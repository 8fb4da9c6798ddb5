package io.nodemesh.controller;

import static io.nodemesh.testkit.K8s.service;
import static io.nodemesh.testkit.K8s.slice;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteParentStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.controller.source.InformerSource;
import io.nodemesh.testkit.Closing;
import io.nodemesh.testkit.K8s;
import io.nodemesh.testkit.MockApi;
import io.nodemesh.testkit.Served;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * GAMMA HTTPRoutes read by the informers from the fabric8 mock API server (CRUD mode): the weights
 * reach the served config at each step of a Flagger-style canary, and the leader writes the route's
 * {@code status.parents} as the Gateway API defines them (issue 17).
 */
@EnableKubernetesMockClient(crud = true)
class GammaKubernetesTest {
  static KubernetesClient client;
  static final Duration WAIT = Duration.ofSeconds(30);

  Controller controller;
  KubernetesClient own;

  @RegisterExtension final Closing closing = new Closing();

  static HTTPRoute route(int canaryWeight, String backend2) {
    String yaml =
        """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: web, namespace: shop}
        spec:
          parentRefs:
          - {name: web, kind: Service, group: "", port: 80}
          rules:
          - backendRefs:
            - {name: web-primary, port: 80, weight: %d}
            - {name: %s, port: 80, weight: %d}
        """
            .formatted(100 - canaryWeight, backend2, canaryWeight);
    return client.getKubernetesSerialization().unmarshal(yaml, HTTPRoute.class);
  }

  /** The listener of shop/web:80; an AssertionError (so Awaitility retries) until it exists. */
  ListenerConfig web() {
    ListenerConfig l = Served.listener(controller.currentConfig(), "shop/web:80");
    if (l == null) {
      throw new AssertionError("no listener for shop/web:80 yet");
    }
    return l;
  }

  static Condition condition(String type) {
    HTTPRoute r = client.resources(HTTPRoute.class).inNamespace("shop").withName("web").get();
    if (r.getStatus() == null) {
      return null;
    }
    for (RouteParentStatus p : r.getStatus().getParents()) {
      if ("nodemesh.io/mesh".equals(p.getControllerName())) {
        return p.getConditions().stream()
            .filter(c -> c.getType().equals(type))
            .findFirst()
            .orElse(null);
      }
    }
    return null;
  }

  @Test
  void weightStepsReachTheConfigAndTheStatusIsWritten() {
    for (String name : List.of("web", "web-primary", "web-canary")) {
      MockApi.create(client, service("shop", name, "http:80"));
    }
    MockApi.create(
        client,
        slice("shop", "web-primary", "http", 8080, "10.0.1.1"),
        slice("shop", "web-canary", "http", 8080, "10.0.2.1"));
    client.resources(HTTPRoute.class).inNamespace("shop").resource(route(0, "web-canary")).create();
    own = closing.add(MockApi.ownClient(client));
    controller =
        closing.add(
            Controller.start(
                ControllerOptions.defaults().withApi("127.0.0.1", 0),
                new InformerSource(own, null),
                own));

    for (int w : List.of(0, 10, 20, 50, 100)) {
      if (w > 0) {
        K8s.edit(
            client.resources(HTTPRoute.class).inNamespace("shop").withName("web"),
            r -> {
              r.getSpec().getRules().get(0).getBackendRefs().get(0).setWeight(100 - w);
              r.getSpec().getRules().get(0).getBackendRefs().get(1).setWeight(w);
              return r;
            });
      }
      await()
          .atMost(WAIT)
          .untilAsserted(
              () -> {
                // The controller compiles after start returns: until then web:80 is not served.
                ListenerConfig web = web();
                assertThat(web).as("listener shop/web:80").isNotNull();
                assertThat(web.route().rules()).isNotEmpty();
                assertThat(web.route().rules().get(0).backends())
                    .extracting(BackendConfig::service, BackendConfig::weight)
                    .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("web-primary", 100 - w),
                        org.assertj.core.groups.Tuple.tuple("web-canary", w));
              });
    }
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              Condition accepted = condition("Accepted");
              assertThat(accepted).isNotNull();
              assertThat(accepted.getStatus()).isEqualTo("True");
              assertThat(condition("ResolvedRefs").getStatus()).isEqualTo("True");
            });

    // A backend that does not exist: ResolvedRefs False with BackendNotFound, on the route itself.
    K8s.edit(
        client.resources(HTTPRoute.class).inNamespace("shop").withName("web"),
        r -> {
          r.getSpec().getRules().get(0).getBackendRefs().get(1).setName("web-gone");
          return r;
        });
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              Condition resolved = condition("ResolvedRefs");
              assertThat(resolved.getStatus()).isEqualTo("False");
              assertThat(resolved.getReason()).isEqualTo("BackendNotFound");
              assertThat(resolved.getMessage()).contains("spec.rules[0].backendRefs[1].name");
            });
    assertThat(web().route().rules().get(0).backends())
        .extracting(BackendConfig::service)
        .containsExactly("web-primary");
    // Gateway API: the missing backend's share is answered 500, not moved to the others.
    assertThat(web().route().rules().get(0).refusedWeight()).isEqualTo(100);

    // Detached from the Service (attached to a Gateway instead): no rules, and our entry is gone.
    K8s.edit(
        client.resources(HTTPRoute.class).inNamespace("shop").withName("web"),
        r -> {
          r.getSpec().getParentRefs().get(0).setKind("Gateway");
          r.getSpec().getParentRefs().get(0).setGroup("gateway.networking.k8s.io");
          return r;
        });
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(web().route().rules()).isEmpty();
              assertThat(condition("Accepted")).isNull();
            });
  }
}
