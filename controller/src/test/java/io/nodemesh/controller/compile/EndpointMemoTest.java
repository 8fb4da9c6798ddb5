package io.nodemesh.controller.compile;

import static io.nodemesh.controller.testing.K8s.service;
import static io.nodemesh.controller.testing.K8s.slice;
import static io.nodemesh.controller.testing.K8s.split;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.controller.source.SourceSnapshot;
import io.nodemesh.controller.topology.Topology;
import io.nodemesh.controller.Problem;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EndpointMemoTest {
  private static CompileResult compile(List<HasMetadata> objects, EndpointMemo memo) {
    Topology t = Topology.from(SourceSnapshot.of(objects), List.of());
    return MeshCompiler.compile(
        t, MeshCompilerTest.SETTINGS, PortAllocation.empty(), null, MeshCompilerTest.NOW, memo);
  }

  private static ListenerConfig listener(CompileResult r, String svc) {
    return MeshCompilerTest.listener(r, "shop", svc, 80);
  }

  @Test
  void aChangedSliceIsRecompiledAndTheOthersAreReused() {
    List<HasMetadata> objects =
        new ArrayList<>(
            List.of(
                service("shop", "web", "http:80"),
                service("shop", "web-v1", "http:80"),
                service("shop", "web-v2", "http:80"),
                service("shop", "api", "http:80"),
                slice("shop", "web", "http", 8080, "10.0.0.1", "10.0.0.2"),
                slice("shop", "web-v1", "http", 8080, "10.0.1.1"),
                slice("shop", "web-v2", "http", 8080, "10.0.2.1"),
                slice("shop", "api", "http", 9090, "10.0.3.1"),
                split("shop", "web-split", "web", "web-v1", 90, "web-v2", 10)));
    EndpointMemo memo = EndpointMemo.create();
    CompileResult first = compile(objects, memo);

    objects.set(7, slice("shop", "api", "http", 9090, "10.0.3.9"));
    CompileResult second = compile(objects, memo);

    assertThat(second.config()).isEqualTo(compile(objects, EndpointMemo.none()).config());
    assertThat(listener(second, "api").route().root().endpoints())
        .extracting(e -> e.ip())
        .containsExactly("10.0.3.9");
    // Unchanged slices: the very same lists, not equal copies.
    assertThat(listener(second, "web").route().root().endpoints())
        .isSameAs(listener(first, "web").route().root().endpoints());
    assertThat(listener(second, "web").route().split().get(1).endpoints())
        .isSameAs(listener(first, "web").route().split().get(1).endpoints());
  }

  @Test
  void withoutAMemoNothingIsShared() {
    List<HasMetadata> objects =
        List.of(service("shop", "web", "http:80"), slice("shop", "web", "http", 8080, "10.0.0.1"));
    CompileResult a = compile(objects, EndpointMemo.none());
    CompileResult b = compile(objects, EndpointMemo.none());

    assertThat(listener(b, "web").route().root().endpoints())
        .isEqualTo(listener(a, "web").route().root().endpoints())
        .isNotSameAs(listener(a, "web").route().root().endpoints());
  }

  @Test
  void aReusedEndpointListStillReportsItsSlicesProblems() {
    List<HasMetadata> objects =
        List.of(service("shop", "web", "http:80"), slice("shop", "web", "http", 8080, "bad-ip"));
    EndpointMemo memo = EndpointMemo.create();
    CompileResult first = compile(objects, memo);
    CompileResult second = compile(objects, memo);

    assertThat(first.problems()).extracting(Problem::field).containsExactly("endpoints[0].addresses[0]");
    assertThat(second.problems()).isEqualTo(first.problems());
  }
}
