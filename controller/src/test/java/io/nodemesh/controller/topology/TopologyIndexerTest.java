package io.nodemesh.controller.topology;

import static io.nodemesh.testkit.K8s.service;
import static io.nodemesh.testkit.K8s.slice;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.nodemesh.controller.source.SourceSnapshot;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TopologyIndexerTest {
  private static List<HasMetadata> cluster() {
    return new ArrayList<>(
        List.of(
            service("shop", "web", "http:80"),
            service("shop", "api", "http:80"),
            slice("shop", "web", "http", 8080, "10.0.0.1"),
            slice("shop", "api", "http", 9090, "10.0.0.2")));
  }

  @Test
  void aChangedSliceLeavesTheOtherKindsAndServicesAsTheyWere() {
    TopologyIndexer indexer = new TopologyIndexer();
    List<HasMetadata> objects = cluster();
    Topology first = indexer.next(SourceSnapshot.of(objects), List.of());

    objects.set(3, slice("shop", "api", "http", 9090, "10.0.0.9"));
    Topology second = indexer.next(SourceSnapshot.of(objects), List.of());

    assertThat(second).isEqualTo(Topology.from(SourceSnapshot.of(objects), List.of()));
    // The very same map and list objects where nothing changed: what TopologyDelta skips.
    assertThat(second.services()).isSameAs(first.services());
    assertThat(second.podsByIp()).isSameAs(first.podsByIp());
    assertThat(second.slices("shop", "web")).isSameAs(first.slices("shop", "web"));
    assertThat(second.slices("shop", "api")).isNotSameAs(first.slices("shop", "api"));
    TopologyDelta delta = TopologyDelta.between(first, second);
    assertThat(delta.services()).isEmpty();
    assertThat(delta.slices()).containsExactly("shop/api");
    assertThat(delta.trafficSplits()).isFalse();
  }

  @Test
  void twoObjectsWithOneKeyIndexAsTopologyFromDoesAndRecoverWhenOneGoes() {
    TopologyIndexer indexer = new TopologyIndexer();
    List<HasMetadata> objects = cluster();
    indexer.next(SourceSnapshot.of(objects), List.of());

    // Two files of a local-mode directory declaring the same Service: the last one listed wins.
    objects.add(service("shop", "web", "http:81"));
    assertThat(indexer.next(SourceSnapshot.of(objects), List.of()))
        .isEqualTo(Topology.from(SourceSnapshot.of(objects), List.of()));

    objects.remove(0);
    Topology after = indexer.next(SourceSnapshot.of(objects), List.of());
    assertThat(after).isEqualTo(Topology.from(SourceSnapshot.of(objects), List.of()));
    assertThat(after.service("shop", "web").getSpec().getPorts().get(0).getPort()).isEqualTo(81);
  }

  @Test
  void aDiffIsTheMultisetOfReplacedObjects() {
    Object a = new Object();
    Object b = new Object();
    Object c = new Object();
    List<Object> removed = new ArrayList<>();
    List<Object> added = new ArrayList<>();

    TopologyIndexer.diff(List.of(a, b, c, a), List.of(a, c, c), removed, added);

    assertThat(removed).containsExactlyInAnyOrder(b, a);
    assertThat(added).containsExactly(c);
  }
}
