package io.nodemesh.controller.compile;

import static io.nodemesh.testkit.K8s.service;
import static io.nodemesh.testkit.K8s.slice;
import static io.nodemesh.testkit.K8s.split;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.controller.source.SourceSnapshot;
import io.nodemesh.controller.topology.Topology;
import io.nodemesh.controller.topology.TopologyIndexer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the memo reuses; {@code IncrementalCompileTest} checks that results stay right. */
class CompileMemoTest {
  private final TopologyIndexer indexer = new TopologyIndexer();
  private final MeshCompiler memo = new MeshCompiler(MeshCompilerTest.SETTINGS);

  private CompileResult compile(List<HasMetadata> objects, CompileResult previous) {
    Topology t = indexer.next(SourceSnapshot.of(objects), List.of());
    return memo.compile(
        t,
        previous == null ? PortAllocation.empty() : previous.allocation(),
        previous == null ? null : previous.config(),
        MeshCompilerTest.NOW);
  }

  private static ListenerConfig listener(CompileResult r, String svc) {
    return MeshCompilerTest.listener(r, "shop", svc, 80);
  }

  private static List<HasMetadata> shop() {
    return new ArrayList<>(
        List.of(
            service("shop", "web", "http:80"),
            service("shop", "web-v1", "http:80"),
            service("shop", "web-v2", "http:80"),
            service("shop", "api", "http:80"),
            slice("shop", "web", "http", 8080, "10.0.0.1"),
            slice("shop", "web-v1", "http", 8080, "10.0.1.1"),
            slice("shop", "web-v2", "http", 8080, "10.0.2.1"),
            slice("shop", "api", "http", 9090, "10.0.3.1"),
            split("shop", "web-split", "web", "web-v1", 90, "web-v2", 10)));
  }

  @Test
  void aChangedSliceRebuildsItsServiceAndTheSplitsSendingToIt() {
    List<HasMetadata> objects = shop();
    CompileResult first = compile(objects, null);

    objects.set(6, slice("shop", "web-v2", "http", 8080, "10.0.2.9"));
    CompileResult second = compile(objects, first);

    assertThat(listener(second, "web-v2")).isNotSameAs(listener(first, "web-v2"));
    assertThat(listener(second, "web").route().split().get(1).endpoints())
        .extracting(e -> e.ip())
        .containsExactly("10.0.2.9");
    // Untouched: the very same objects, not equal copies.
    assertThat(listener(second, "api")).isSameAs(listener(first, "api"));
    assertThat(listener(second, "web-v1")).isSameAs(listener(first, "web-v1"));
    assertThat(listener(second, "web").route().root().endpoints())
        .isSameAs(listener(first, "web").route().root().endpoints());
    assertThat(second.config().version()).isGreaterThan(first.config().version());
  }

  @Test
  void aNewServiceTakesAFreePortAndTheOthersKeepTheirs() {
    List<HasMetadata> objects = shop();
    CompileResult first = compile(objects, null);

    objects.add(0, service("shop", "aaa", "http:80"));
    CompileResult second = compile(objects, first);

    for (String svc : List.of("web", "web-v1", "web-v2", "api")) {
      assertThat(listener(second, svc).proxyPort()).isEqualTo(listener(first, svc).proxyPort());
    }
    assertThat(listener(second, "aaa").proxyPort())
        .isNotIn(first.allocation().ports().values())
        .isBetween(5000, 5009);
  }

  @Test
  void nothingChangedKeepsTheVersionAndEveryListener() {
    List<HasMetadata> objects = shop();
    CompileResult first = compile(objects, null);
    CompileResult second = compile(objects, first);

    assertThat(second.config().version()).isEqualTo(first.config().version());
    assertThat(second.allocation()).isSameAs(first.allocation());
    for (int i = 0; i < first.config().listeners().size(); i++) {
      assertThat(second.config().listeners().get(i)).isSameAs(first.config().listeners().get(i));
    }
  }
}
