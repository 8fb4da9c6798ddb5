package io.nodemesh.controller.compile;

import static io.nodemesh.testkit.K8s.annotate;
import static io.nodemesh.testkit.K8s.service;
import static io.nodemesh.testkit.K8s.slice;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.controller.common.Problem;
import io.nodemesh.controller.common.ProblemReason;
import io.nodemesh.controller.source.SourceSnapshot;
import io.nodemesh.controller.topology.Topology;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Annotation {@code nodemesh.io/proxy-protocol}: target ports marked, hostile values skipped. */
class ProxyProtocolAnnotationTest {

  private static HasMetadata[] world(Service web) {
    return new HasMetadata[] {
      web,
      slice("shop", "web", "pg", 5432, "10.0.0.1"),
      slice("shop", "web", "admin", 9090, "10.0.0.1")
    };
  }

  private static Service web(String value) {
    Service s = service("shop", "web", "pg:5432", "admin:9000");
    return value == null ? s : annotate(s, ProxyProtocolPorts.ANNOTATION, value);
  }

  private static boolean marked(CompileResult r, int servicePort) {
    List<EndpointConfig> eps =
        MeshCompilerTest.listener(r, "shop", "web", servicePort).route().root().endpoints();
    assertThat(eps).hasSize(1);
    return eps.get(0).proxyProtocol();
  }

  @Test
  void listedTargetPortsAreMarkedAndOthersAreNot() {
    CompileResult r = MeshCompilerTest.compile(world(web(" 5432 ,7")));
    assertThat(r.problems()).isEmpty();
    assertThat(marked(r, 5432)).isTrue();
    assertThat(marked(r, 9000)).isFalse();
  }

  @Test
  void allMarksEveryPortAndNoAnnotationMarksNone() {
    CompileResult all = MeshCompilerTest.compile(world(web("all")));
    assertThat(marked(all, 5432)).isTrue();
    assertThat(marked(all, 9000)).isTrue();
    CompileResult none = MeshCompilerTest.compile(world(web(null)));
    assertThat(marked(none, 5432)).isFalse();
    assertThat(marked(none, 9000)).isFalse();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "8080,",
        "0",
        "65536",
        "99999999999999999999",
        "-1",
        "ALL",
        "all,5432",
        "5432;9090",
        "5432\n9090",
        "\u0665\u0664\u0663\u0662"
      })
  void aHostileValueIsReportedOnTheServiceAndSwitchesNothingOn(String value) {
    CompileResult r = MeshCompilerTest.compile(world(web(value)));
    Problem p = MeshCompilerTest.onlyProblem(r);
    assertThat(p.kind()).isEqualTo("Service");
    assertThat(p.name()).isEqualTo("web");
    assertThat(p.field()).isEqualTo("metadata.annotations[nodemesh.io/proxy-protocol]");
    assertThat(p.reason()).isEqualTo(ProblemReason.INVALID_ANNOTATION);
    // The rest of the Service still compiles, just without the header.
    assertThat(marked(r, 5432)).isFalse();
    assertThat(marked(r, 9000)).isFalse();
  }

  @Test
  void anOverlongOrOverfullValueIsBoundedAndReported() {
    String tooLong = "1".repeat(ProxyProtocolPorts.MAX_LENGTH + 1);
    assertThat(
            MeshCompilerTest.onlyProblem(MeshCompilerTest.compile(world(web(tooLong)))).message())
        .contains("longer than 512");
    StringBuilder many = new StringBuilder("5432");
    for (int p = 1; p <= ProxyProtocolPorts.MAX_PORTS; p++) {
      many.append(',').append(p);
    }
    CompileResult r = MeshCompilerTest.compile(world(web(many.toString())));
    assertThat(MeshCompilerTest.onlyProblem(r).message()).contains("more than 64 ports");
    assertThat(marked(r, 5432)).isFalse();
  }

  @Test
  void changingOnlyTheAnnotationReachesTheEndpointsThroughTheMemo() {
    MeshCompiler memo = new MeshCompiler(MeshCompilerTest.SETTINGS);
    // The very same slice objects both times, so only the Service's annotation changed.
    HasMetadata[] objects = world(web(null));
    CompileResult before = compileWith(memo, objects);
    assertThat(marked(before, 5432)).isFalse();
    objects[0] = web("5432");
    CompileResult after = compileWith(memo, objects);
    assertThat(marked(after, 5432)).isTrue();
  }

  private static CompileResult compileWith(MeshCompiler memo, HasMetadata... objects) {
    Topology t = Topology.from(SourceSnapshot.of(List.of(objects)), List.of());
    return memo.compile(t, PortAllocation.empty(), null, MeshCompilerTest.NOW);
  }
}
