package io.nodemesh.controller.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.Protocol;
import io.nodemesh.controller.common.PortRange;
import io.nodemesh.controller.compile.CompileSettings;
import io.nodemesh.controller.compile.MeshCompiler;
import io.nodemesh.controller.compile.PortAllocation;
import io.nodemesh.controller.source.SourceSnapshot;
import io.nodemesh.controller.topology.Topology;
import io.nodemesh.smi.TrafficTargetRule;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

class ExplainerTest {
  private static MeshConfig config(boolean acl, List<HasMetadata> objects) {
    CompileSettings s =
        new CompileSettings(
            "nodemesh",
            "mesh",
            Map.of(
                Protocol.HTTP, new PortRange(5000, 5009),
                Protocol.TCP, new PortRange(6000, 6009),
                Protocol.UDP, new PortRange(7000, 7009)),
            acl);
    Topology t = Topology.from(SourceSnapshot.of(objects), List.of());
    return MeshCompiler.compile(t, s, PortAllocation.empty(), null, 1).config();
  }

  private static BiFunction<String, String, Pod> pods(List<HasMetadata> objects) {
    return (ns, name) ->
        objects.stream()
            .filter(o -> o instanceof Pod)
            .map(o -> (Pod) o)
            .filter(
                p ->
                    p.getMetadata().getNamespace().equals(ns)
                        && p.getMetadata().getName().equals(name))
            .findFirst()
            .orElse(null);
  }

  @Test
  void allowedNamesTheTargetAndTheRoute() {
    List<HasMetadata> w = AccessCompilerTest.world();
    w.add(
        AccessCompilerTest.target(
            "web-to-api",
            "api",
            List.of("default/web"),
            new TrafficTargetRule("HTTPRouteGroup", "api-routes", List.of("read"))));
    Explanation e =
        Explainer.explain(
            config(true, w),
            pods(w),
            "default/web-1",
            "API.shop.mesh.",
            "get",
            "/api/x?y",
            Map.of());
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
    List<HasMetadata> w = AccessCompilerTest.world();
    w.add(
        AccessCompilerTest.target(
            "web-to-api",
            "api",
            List.of("default/web"),
            new TrafficTargetRule("HTTPRouteGroup", "api-routes", List.of("read"))));
    Explanation e =
        Explainer.explain(
            config(true, w),
            pods(w),
            "default/web-1",
            "api.shop.mesh",
            "GET",
            "/api/%2e%2e/admin",
            Map.of());
    assertThat(e.allowed()).isFalse();
    assertThat(e.request()).isEqualTo("GET /admin");
  }

  @Test
  void deniedAndOffAndUnknowns() {
    List<HasMetadata> w = AccessCompilerTest.world();
    Explanation denied =
        Explainer.explain(
            config(true, w), pods(w), "default/web-1", "db.shop:6379", null, null, Map.of());
    assertThat(denied.allowed()).isFalse();
    assertThat(denied.protocol()).isEqualTo("tcp");
    assertThat(denied.message())
        .isEqualTo("no TrafficTarget allows sa default/web to connect to shop/db:6379 (tcp)");
    assertThat(denied.render()).contains("reason:      not_allowed");

    Explanation off =
        Explainer.explain(
            config(false, w), pods(w), "10.9.9.9", "api.shop.mesh", null, null, Map.of());
    assertThat(off.allowed()).isTrue();
    assertThat(off.acl()).isFalse();
    assertThat(off.render()).contains("acl:         off");

    MeshConfig c = config(true, w);
    assertThatThrownBy(
            () ->
                Explainer.explain(
                    c, pods(w), "default/ghost", "api.shop.mesh", null, null, Map.of()))
        .hasMessage("pod 'default/ghost' not found");
    assertThatThrownBy(
            () ->
                Explainer.explain(
                    c, pods(w), "default/web-1", "nope.shop.mesh", null, null, Map.of()))
        .hasMessage("no meshed service shop/nope");
    assertThatThrownBy(
            () ->
                Explainer.explain(
                    c, pods(w), "default/web-1", "db.shop.mesh", null, null, Map.of()))
        .hasMessage("service shop/db has ports [5432, 6379]; add one");
    assertThatThrownBy(
            () ->
                Explainer.explain(
                    c, pods(w), "default/web-1", "db.shop.mesh:1", null, null, Map.of()))
        .hasMessage("service shop/db has no meshed port 1 (ports [5432, 6379])");
  }
}
