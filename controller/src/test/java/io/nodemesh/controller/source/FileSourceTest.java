package io.nodemesh.controller.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.nodemesh.controller.common.Problem;
import io.nodemesh.smi.TrafficSplit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSourceTest {
  @TempDir Path dir;
  FileSource source;
  final AtomicInteger changes = new AtomicInteger();

  @AfterEach
  void close() {
    if (source != null) {
      source.close();
    }
  }

  static final String TWO_SERVICES =
      """
      apiVersion: v1
      kind: Service
      metadata:
        name: web
      spec:
        ports: [{name: http, port: 80}]
      ---
      # a comment-only document is skipped
      ---
      apiVersion: v1
      kind: Service
      metadata:
        name: db
        namespace: data
      spec:
        ports: [{port: 5432}]
      """;

  static final String LIST_WITH_OLD_SPLIT =
      """
      apiVersion: v1
      kind: List
      items:
      - apiVersion: split.smi-spec.io/v1alpha2
        kind: TrafficSplit
        metadata: {name: canary, namespace: shop}
        spec:
          service: web
          backends: [{service: web-v1, weight: 90}, {service: web-v2, weight: 10}]
      - apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: web-abc
          labels: {kubernetes.io/service-name: web}
        addressType: IPv4
        ports: [{name: http, port: 8080}]
        endpoints: [{addresses: [10.0.0.1]}]
      """;

  private void start() {
    source = new FileSource(dir);
    source.start(changes::incrementAndGet);
  }

  private static List<String> names(List<? extends HasMetadata> objects) {
    return objects.stream()
        .map(o -> o.getMetadata().getNamespace() + "/" + o.getMetadata().getName())
        .toList();
  }

  @Test
  void readsMultiDocumentFilesListsAndOlderSmiVersionsRecursively() throws Exception {
    Files.writeString(dir.resolve("services.yaml"), TWO_SERVICES);
    Files.createDirectories(dir.resolve("sub/deeper"));
    Files.writeString(dir.resolve("sub/deeper/split.yml"), LIST_WITH_OLD_SPLIT);
    Files.writeString(dir.resolve("sub/ignored.txt"), "not: yaml: at: all");

    start();

    assertThat(source.hasSynced()).isTrue();
    SourceSnapshot s = source.snapshot();
    assertThat(names(s.services())).containsExactlyInAnyOrder("default/web", "data/db");
    assertThat(names(s.endpointSlices())).containsExactly("default/web-abc");
    assertThat(s.trafficSplits())
        .singleElement()
        .satisfies(
            t -> {
              assertThat(t).isInstanceOf(TrafficSplit.class);
              assertThat(t.getMetadata().getNamespace()).isEqualTo("shop");
              assertThat(t.getSpec().getBackends()).hasSize(2);
              assertThat(t.getSpec().getBackends().get(0).getWeight()).isEqualTo(90);
            });
    assertThat(source.problems()).isEmpty();
    assertThat(changes).hasPositiveValue();
  }

  @Test
  void readsJson() throws Exception {
    Files.writeString(
        dir.resolve("svc.json"),
        "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"j\"},\"spec\":{\"ports\":[{\"port\":80}]}}");
    start();
    assertThat(names(source.snapshot().services())).containsExactly("default/j");
  }

  @Test
  void anEditIsPickedUpQuickly() throws Exception {
    Path f = dir.resolve("services.yaml");
    Files.writeString(f, TWO_SERVICES);
    start();
    int before = changes.get();

    Files.writeString(f, TWO_SERVICES.replace("name: web", "name: web2"));

    await()
        .atMost(Duration.ofSeconds(2))
        .untilAsserted(
            () ->
                assertThat(names(source.snapshot().services()))
                    .containsExactlyInAnyOrder("default/web2", "data/db"));
    assertThat(changes.get()).isGreaterThan(before);
  }

  @Test
  void aBrokenEditKeepsTheLastGoodContentAndNamesTheFile() throws Exception {
    Path f = dir.resolve("services.yaml");
    Files.writeString(f, TWO_SERVICES);
    start();

    Files.writeString(
        f, TWO_SERVICES + "---\napiVersion: v1\nkind: Service\nmetadata: {name: [broken\n");

    await().atMost(Duration.ofSeconds(2)).until(() -> !source.problems().isEmpty());
    Problem p = source.problems().get(0);
    assertThat(p.kind()).isEqualTo("File");
    assertThat(p.name()).isEqualTo("services.yaml");
    assertThat(p.field()).contains("doc[2]").contains("line 20");
    assertThat(p.message()).isNotBlank();
    assertThat(names(source.snapshot().services()))
        .containsExactlyInAnyOrder("default/web", "data/db");

    Files.writeString(f, TWO_SERVICES.replace("name: db", "name: db2"));
    await().atMost(Duration.ofSeconds(2)).until(() -> source.problems().isEmpty());
    assertThat(names(source.snapshot().services()))
        .containsExactlyInAnyOrder("default/web", "data/db2");
  }

  @Test
  void anUnknownKindIsAProblemOfItsFile() throws Exception {
    Files.writeString(
        dir.resolve("odd.yaml"), "apiVersion: example.com/v1\nkind: Gizmo\nmetadata: {name: g}\n");
    start();
    assertThat(source.problems())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.name()).isEqualTo("odd.yaml");
              assertThat(p.message()).contains("Gizmo");
            });
  }

  @Test
  void aDeletedFileRemovesItsObjects() throws Exception {
    Path f = dir.resolve("services.yaml");
    Files.writeString(f, TWO_SERVICES);
    Files.writeString(dir.resolve("split.yaml"), LIST_WITH_OLD_SPLIT);
    start();
    assertThat(source.snapshot().services()).hasSize(2);

    Files.delete(f);

    await().atMost(Duration.ofSeconds(2)).until(() -> source.snapshot().services().isEmpty());
    assertThat(source.snapshot().trafficSplits()).hasSize(1);
  }

  @Test
  void aFileEmptiedForGoodRemovesItsObjects() throws Exception {
    Path f = dir.resolve("services.yaml");
    Files.writeString(f, TWO_SERVICES);
    start();

    Files.writeString(f, "");

    await().atMost(Duration.ofSeconds(2)).until(() -> source.snapshot().services().isEmpty());
    assertThat(source.problems()).isEmpty();
  }

  @Test
  void otherKindsAreAcceptedButNotKept() throws Exception {
    Files.writeString(
        dir.resolve("deploy.yaml"),
        "apiVersion: apps/v1\n"
            + "kind: Deployment\n"
            + "metadata: {name: d}\n"
            + "spec: {selector: {matchLabels: {a: b}}}\n");
    start();
    assertThat(source.problems()).isEmpty();
    assertThat(source.snapshot().services()).isEmpty();
  }
}
