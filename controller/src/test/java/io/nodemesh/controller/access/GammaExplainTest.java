package io.nodemesh.controller.access;

import static io.nodemesh.controller.access.AccessCompilerTest.apiRoute;
import static io.nodemesh.controller.access.AccessCompilerTest.withApiV2;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.controller.compile.MeshCompiler;
import io.nodemesh.controller.compile.PortAllocation;
import io.nodemesh.controller.compile.TestSettings;
import io.nodemesh.controller.source.SourceSnapshot;
import io.nodemesh.controller.topology.Topology;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code explain} on a Service routed by Gateway API rules: which rule, which backends, or 404. */
class GammaExplainTest {

  static List<HasMetadata> world() {
    List<HasMetadata> w = withApiV2(AccessCompilerTest.world());
    w.add(
        apiRoute(
            """
            - matches:
              - path: {type: PathPrefix, value: /v2}
              - headers: [{name: x-canary, value: "1"}]
              - queryParams: [{name: beta, value: "on"}]
              backendRefs: [{name: api-v2, port: 80}]
            - matches:
              - path: {type: PathPrefix, value: /api}
              backendRefs: [{name: api, port: 80}]
            """));
    return w;
  }

  static Explanation explain(String path, Map<String, List<String>> headers) {
    List<HasMetadata> w = world();
    Topology t = Topology.from(SourceSnapshot.of(w), List.of());
    MeshConfig c =
        new MeshCompiler(TestSettings.settings(false))
            .compile(t, PortAllocation.empty(), null, 1)
            .config();
    return Explainer.explain(
        c, (ns, name) -> (Pod) null, "10.0.0.2", "api.shop.mesh", "GET", path, headers);
  }

  @Test
  void namesTheRuleThatTakesTheRequestAndItsBackends() {
    Explanation v2 = explain("/v2/items", Map.of());
    assertThat(v2.routeRule()).isEqualTo("shop/api#0.0");
    assertThat(v2.backends())
        .containsExactly(new Explanation.Backend("api-v2", 1, List.of("10.0.0.11:8080")));
    assertThat(v2.render()).contains("route:       Gateway API rule shop/api#0.0");

    assertThat(explain("/v2x", Map.of()).routeRule()).isEqualTo(Explanation.NO_RULE);
    // Matches are ranked one by one (Gateway API): the /api prefix of rule 1 goes before the
    // header-only and query-only matches of rule 0.
    assertThat(explain("/api/x", Map.of("X-Canary", List.of("1"))).routeRule())
        .isEqualTo("shop/api#1");
    assertThat(explain("/other", Map.of("X-Canary", List.of("1"))).routeRule())
        .isEqualTo("shop/api#0.1");
    assertThat(explain("/other?beta=on", Map.of()).routeRule()).isEqualTo("shop/api#0.2");
    assertThat(explain("/other?beta=off", Map.of()).routeRule()).isEqualTo(Explanation.NO_RULE);
  }

  @Test
  void aRequestNoRuleMatchesIsA404WithNoBackend() {
    Explanation e = explain("/other", Map.of());
    assertThat(e.routeRule()).isEqualTo(Explanation.NO_RULE);
    assertThat(e.backends()).isEmpty();
    assertThat(e.render()).contains("Gateway API rule none (404)");
  }
}
