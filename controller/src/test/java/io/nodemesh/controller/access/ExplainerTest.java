package io.nodemesh.controller.access;

import static io.nodemesh.controller.access.AccessCompilerTest.pods;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.controller.compile.MeshCompiler;
import io.nodemesh.controller.compile.PortAllocation;
import io.nodemesh.controller.compile.TestSettings;
import io.nodemesh.controller.source.SourceSnapshot;
import io.nodemesh.controller.topology.Topology;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExplainerTest {
  private static MeshConfig config(boolean acl, List<HasMetadata> objects) {
    Topology t = Topology.from(SourceSnapshot.of(objects), List.of());
    return new MeshCompiler(TestSettings.settings(acl))
        .compile(t, PortAllocation.empty(), null, 1)
        .config();
  }

  /** What explain says of a connection from this pod (or IP) to this host. */
  private static Explanation explain(
      MeshConfig c, List<HasMetadata> objects, String from, String host) {
    return Explainer.explain(c, pods(objects), from, host, null, null, Map.of());
  }

  /** What explain says of a request from default/web-1 that web-to-api lets GET /api. */
  private static Explanation explainWebReads(String host, String method, String target) {
    List<HasMetadata> w = AccessCompilerTest.world();
    w.add(AccessCompilerTest.webReads("web-to-api", "api"));
    return Explainer.explain(
        config(true, w), pods(w), "default/web-1", host, method, target, Map.of());
  }

  @Test
  void allowedNamesTheTargetAndTheRoute() {
    Explanation e = explainWebReads("API.shop.mesh.", "get", "/api/x?y");
    assertThat(e.allowed()).isTrue();
    assertThat(e.sourceIp()).isEqualTo("10.0.0.2");
    assertThat(e.sourceServiceAccount()).isEqualTo("default/web");
    assertThat(e.request()).isEqualTo("GET /api/x");
    assertThat(e.match()).isEqualTo("api-routes/read");
    assertThat(e.split()).isNull();
    assertThat(e.backends())
        .containsExactly(new Explanation.Backend("api", 1, List.of("10.0.0.10:8080")));
    assertThat(e.render())
        .startsWith(
            "ALLOWED: TrafficTarget shop/web-to-api allows sa default/web (HTTPRouteGroup shop/api-routes, match api-routes/read)\n")
        .contains("route:       the Service itself");
  }

  @Test
  void explainJudgesTheCanonicalPathAsTheProxyDoes() {
    Explanation e = explainWebReads("api.shop.mesh", "GET", "/api/%2e%2e/admin");
    assertThat(e.allowed()).isFalse();
    assertThat(e.request()).isEqualTo("GET /admin");
  }

  @Test
  void deniedAndOffAndUnknowns() {
    List<HasMetadata> w = AccessCompilerTest.world();
    Explanation denied = explain(config(true, w), w, "default/web-1", "db.shop:6379");
    assertThat(denied.allowed()).isFalse();
    assertThat(denied.protocol()).isEqualTo("tcp");
    assertThat(denied.message())
        .isEqualTo("no TrafficTarget allows sa default/web to connect to shop/db:6379 (tcp)");
    assertThat(denied.render()).contains("reason:      not_allowed");

    Explanation off = explain(config(false, w), w, "10.9.9.9", "api.shop.mesh");
    assertThat(off.allowed()).isTrue();
    assertThat(off.acl()).isFalse();
    assertThat(off.render()).contains("acl:         off");

    MeshConfig c = config(true, w);
    assertThatThrownBy(() -> explain(c, w, "default/ghost", "api.shop.mesh"))
        .hasMessage("pod 'default/ghost' not found");
    assertThatThrownBy(() -> explain(c, w, "default/web-1", "nope.shop.mesh"))
        .hasMessage("no meshed service shop/nope");
    assertThatThrownBy(() -> explain(c, w, "default/web-1", "db.shop.mesh"))
        .hasMessage("service shop/db has ports [5432, 6379]; add one");
    assertThatThrownBy(() -> explain(c, w, "default/web-1", "db.shop.mesh:1"))
        .hasMessage("service shop/db has no meshed port 1 (ports [5432, 6379])");
  }
}
