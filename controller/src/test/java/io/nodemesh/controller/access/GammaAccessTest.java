package io.nodemesh.controller.access;

import static io.nodemesh.controller.access.AccessCompilerTest.apiRoute;
import static io.nodemesh.controller.access.AccessCompilerTest.compile;
import static io.nodemesh.controller.access.AccessCompilerTest.httpRule;
import static io.nodemesh.controller.access.AccessCompilerTest.target;
import static io.nodemesh.controller.access.AccessCompilerTest.webReads;
import static io.nodemesh.controller.access.AccessCompilerTest.withApiV2;
import static io.nodemesh.controller.access.AccessCompilerTest.world;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.Protocol;
import io.nodemesh.config.access.AccessDecision;
import io.nodemesh.config.access.AccessPolicy;
import io.nodemesh.config.access.RequestView;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * ACL mode with a GAMMA HTTPRoute: SMI TrafficTargets guard the pods the route's rules send to,
 * judged per serving pod as for TrafficSplit backends (docs/access-control.md, issue 17).
 */
class GammaAccessTest {

  /** shop/api routed by an HTTPRoute to shop/api-v2, whose pod runs as shop/api-v2. */
  static List<HasMetadata> routed() {
    List<HasMetadata> w = withApiV2(world());
    w.add(
        apiRoute(
            """
            - backendRefs: [{name: api-v2, port: 80}]
            """));
    return w;
  }

  static AccessPolicy.Admission admit(MeshConfig c, String ip, String method, String path) {
    return AccessPolicy.compile(c.access())
        .admit(
            "shop/api:80",
            Protocol.HTTP,
            AccessPolicy.ipLiteral(ip),
            RequestView.of(method, path, null));
  }

  @Test
  void aTrafficTargetToTheRoutesBackendAdmitsItsPodsOnly() {
    List<HasMetadata> w = routed();
    w.add(webReads("web-to-api-v2", "api-v2"));
    MeshConfig c = compile(w).config();

    AccessPolicy.Admission web = admit(c, "10.0.0.2", "GET", "/api");
    assertThat(web.decision()).isInstanceOf(AccessDecision.Allow.class);
    assertThat(web.pods().test(AccessPolicy.ipLiteral("10.0.0.11"))).isTrue();
    assertThat(web.pods().test(AccessPolicy.ipLiteral("10.0.0.10"))).isFalse();
    // The grant's HTTPRouteGroup allows only GET /api; another caller has no grant at all.
    assertThat(admit(c, "10.0.0.2", "POST", "/api").decision())
        .isInstanceOf(AccessDecision.Deny.class);
    assertThat(admit(c, "10.0.0.3", "GET", "/api").decision())
        .isInstanceOf(AccessDecision.Deny.class);
  }

  @Test
  void aTrafficTargetToTheRootOnlyDoesNotReachTheRoutesBackend() {
    List<HasMetadata> w = routed();
    w.add(target("web-to-api", "api", List.of("default/web"), httpRule("api-routes")));
    MeshConfig c = compile(w).config();

    AccessPolicy.Admission web = admit(c, "10.0.0.2", "GET", "/api");
    // Allowed to the root's pods, which the route does not send to: no pod of api-v2 is admitted.
    assertThat(web.pods() == null || !web.pods().test(AccessPolicy.ipLiteral("10.0.0.11")))
        .isTrue();
  }
}
