package io.nodemesh.cli.inputs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.nodemesh.cli.inputs.RandomCluster.Cluster;
import io.nodemesh.cli.inputs.RandomCluster.Expected;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.MeshConfigJson;
import io.nodemesh.config.Protocol;
import io.nodemesh.controller.common.PortRange;
import io.nodemesh.controller.common.Problem;
import io.nodemesh.controller.compile.CompileResult;
import io.nodemesh.controller.compile.CompileSettings;
import io.nodemesh.controller.compile.MeshCompiler;
import io.nodemesh.controller.compile.PortAllocation;
import io.nodemesh.controller.shadow.ShadowNames;
import io.nodemesh.controller.source.FileSource;
import io.nodemesh.controller.source.SourceSnapshot;
import io.nodemesh.controller.topology.Topology;
import io.nodemesh.proxy.balance.ResilienceRegistry;
import io.nodemesh.proxy.listener.RoutingTable;
import io.nodemesh.proxy.metrics.ProxyMetrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.random.RandomGenerator;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8: "every input from the cluster is validated before use: an annotation, an SMI object or a
 * port range can not crash the controller or generate a config the proxy rejects". Thousands of
 * random clusters ({@link RandomCluster}) go through the controller's compile path (SourceSnapshot,
 * Topology, MeshCompiler, twice with one compile memo, as the controller compiles) and the result
 * through JSON and the proxy's own config compilation ({@link RoutingTable#compile}, what {@code
 * NodeProxy.apply} runs before it swaps a config in).
 *
 * <p>A failure names its seed; {@code -Dnodemesh.inputs.seed=N -Dnodemesh.inputs.runs=1} replays
 * exactly that cluster. {@code -Dnodemesh.inputs.runs} sets how many (default 2,000).
 */
class ClusterInputPropertyTest {
  private static final int RUNS = Integer.getInteger("nodemesh.inputs.runs", 2_000);
  private static final ProxyMetrics PROXY_METRICS = new ProxyMetrics();
  private static final ResilienceRegistry PROXY_STATE = new ResilienceRegistry(null);

  @Test
  void everyRandomClusterCompilesToAConfigTheProxyAcceptsAndEveryFaultIsReported() {
    long first = Long.getLong("nodemesh.inputs.seed", new Random().nextLong());
    int listeners = 0;
    int problems = 0;
    for (int i = 0; i < RUNS; i++) {
      long seed = first + i;
      try {
        int[] counts = check(seed);
        listeners += counts[0];
        problems += counts[1];
      } catch (Throwable t) {
        throw new AssertionError(
            "cluster of seed "
                + seed
                + " (replay: -Dnodemesh.inputs.seed="
                + seed
                + " -Dnodemesh.inputs.runs=1): "
                + t.getMessage(),
            t);
      }
    }
    // The generator must produce meshes and faults, or the property says nothing.
    assertThat(listeners).as("listeners compiled over %d clusters", RUNS).isGreaterThan(RUNS);
    assertThat(problems).as("problems reported over %d clusters", RUNS).isGreaterThan(RUNS);
  }

  private static int[] check(long seed) {
    Random rnd = new Random(~seed);
    return check(RandomCluster.generate(seed), RandomCluster.generate(rnd.nextLong()), rnd);
  }

  /**
   * Compiles {@code cluster} as the controller would, checks the problems against what the
   * generator broke on purpose, and has the proxy compile the config; then changes the cluster
   * (some objects go, some of {@code other} come) and checks the incremental compile against one
   * from scratch.
   *
   * @param rnd picks the compile settings and the change
   * @return {listeners, problems}
   */
  static int[] check(Cluster cluster, Cluster other, RandomGenerator rnd) {
    CompileSettings settings = settings(rnd);
    SourceSnapshot snapshot = SourceSnapshot.of(cluster.objects());
    Topology topology = Topology.from(snapshot, List.of());
    MeshCompiler memo = new MeshCompiler(settings);

    CompileResult first = memo.compile(topology, PortAllocation.empty(), null, 1_000);
    // The controller's next compile of an unchanged cluster: from the previous allocation and
    // config, with the compile memo warm. Same config, same version, same problems.
    CompileResult second =
        memo.compile(Topology.from(snapshot, List.of()), first.allocation(), first.config(), 2_000);
    assertThat(second.config()).isEqualTo(first.config());
    assertThat(second.problems()).containsExactlyInAnyOrderElementsOf(first.problems());

    MeshConfig config = first.config();
    List<Problem> problems = first.problems();
    for (Problem p : problems) {
      assertThat(p.kind()).as("kind of %s", p).isNotBlank();
      assertThat(p.name()).as("name of %s", p).isNotBlank();
      assertThat(p.field()).as("field of %s", p).isNotBlank();
      assertThat(p.message()).as("message of %s", p).isNotBlank();
      // An owner's newline must not become a forged line in the log or an Event.
      assertThat(p.field() + p.message())
          .as("control characters in %s", p)
          .doesNotContainPattern("[\\p{Cntrl}\\x{2028}\\x{2029}]");
    }
    Set<String> withListener =
        config.listeners().stream()
            .map(l -> l.namespace() + "/" + l.service())
            .collect(Collectors.toSet());
    for (Expected e : cluster.expected()) {
      if (e.ifListenerFor() == null || withListener.contains(e.ifListenerFor())) {
        assertReported(e, problems);
      }
    }
    if (settings.acl()) {
      cluster.expectedWithAcl().forEach(e -> assertReported(e, problems));
    }
    for (RandomCluster.Accepted a : cluster.accepted()) {
      String field = "metadata.annotations[" + a.annotation() + "]";
      assertThat(problems)
          .as(
              "good value '%s' of %s on %s/%s",
              a.value(), a.annotation(), a.namespace(), a.service())
          .noneMatch(
              p ->
                  p.kind().equals("Service")
                      && a.namespace().equals(p.namespace())
                      && a.service().equals(p.name())
                      && p.field().equals(field));
    }
    for (ListenerConfig l : config.listeners()) {
      // The leader names the listener's shadow Service from the same odd names.
      assertThat(ShadowNames.shadowName(l.namespace(), l.service()))
          .hasSizeLessThanOrEqualTo(ShadowNames.MAX_LENGTH)
          .matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
      assertThat(cluster.meshed())
          .as("listener %s of a meshed Service", l.key())
          .contains(l.namespace() + "/" + l.service());
      assertThat(settings.ranges().get(PortAllocation.rangeOf(l.protocol())).first())
          .as("proxy port of %s in its range", l.key())
          .isLessThanOrEqualTo(l.proxyPort());
      assertThat(settings.ranges().get(PortAllocation.rangeOf(l.protocol())).last())
          .isGreaterThanOrEqualTo(l.proxyPort());
    }

    assertThat(config.listeners())
        .as("one proxy port per listener")
        .extracting(ListenerConfig::proxyPort)
        .doesNotHaveDuplicates();

    String json = MeshConfigJson.write(config);
    MeshConfig read = MeshConfigJson.read(json);
    assertThat(read).as("config after a JSON round trip").isEqualTo(config);
    // One proxy's state across every config, as a running proxy applies one after another.
    RoutingTable table = RoutingTable.compile(read, PROXY_METRICS, PROXY_STATE);
    assertThat(table.version()).isEqualTo(config.version());

    // A change: some objects go, some of another cluster come, the rest are the very same objects
    // (sources replace what changed). The compile memo must give what a fresh compile gives.
    List<HasMetadata> changed = new ArrayList<>(cluster.objects());
    for (int i = rnd.nextInt(4); i > 0 && !changed.isEmpty(); i--) {
      changed.remove(rnd.nextInt(changed.size()));
    }
    for (int i = rnd.nextInt(4); i > 0 && !other.objects().isEmpty(); i--) {
      changed.add(other.objects().get(rnd.nextInt(other.objects().size())));
    }
    Topology next = Topology.from(SourceSnapshot.of(changed), List.of());
    CompileResult incremental = memo.compile(next, second.allocation(), second.config(), 3_000);
    CompileResult fresh =
        new MeshCompiler(settings).compile(next, second.allocation(), second.config(), 3_000);
    assertThat(incremental.config()).as("incremental config").isEqualTo(fresh.config());
    assertThat(incremental.problems())
        .as("incremental problems")
        .containsExactlyInAnyOrderElementsOf(fresh.problems());
    RoutingTable.compile(
        MeshConfigJson.read(MeshConfigJson.write(incremental.config())),
        PROXY_METRICS,
        PROXY_STATE);
    return new int[] {config.listeners().size(), problems.size()};
  }

  private static void assertReported(Expected e, List<Problem> problems) {
    assertThat(problems)
        .as(
            "a problem on %s %s/%s%s (%s)",
            e.kind(),
            e.namespace(),
            e.name(),
            e.field() == null ? "" : " field " + e.field(),
            e.why())
        .anyMatch(
            p ->
                p.kind().equals(e.kind())
                    && e.namespace().equals(p.namespace())
                    && e.name().equals(p.name())
                    && (e.field() == null || p.field().startsWith(e.field())));
  }

  /** ACL on or off, any default traffic type, and sometimes ranges small enough to run out. */
  private static CompileSettings settings(RandomGenerator rnd) {
    int size = rnd.nextInt(4) == 0 ? 1 + rnd.nextInt(3) : 100;
    Map<Protocol, PortRange> ranges = new EnumMap<>(Protocol.class);
    ranges.put(Protocol.HTTP, new PortRange(5000, 5000 + size - 1));
    ranges.put(Protocol.TCP, new PortRange(10000, 10000 + size - 1));
    ranges.put(Protocol.UDP, new PortRange(15000, 15000 + size - 1));
    return new CompileSettings(
        RandomCluster.MESH_NAMESPACE,
        "mesh",
        ranges,
        rnd.nextBoolean(),
        Protocol.values()[rnd.nextInt(Protocol.values().length)]);
  }

  /**
   * Port ranges as a user might write them, where a number is expected: in local mode's YAML they
   * never reach the compiler as numbers; each file or object is reported and the rest compiles.
   */
  @Test
  void portRangesWhereAPortBelongsAreReportedAndTheRestIsMeshed(@TempDir Path dir)
      throws Exception {
    Map<String, String> files =
        Map.of(
            "good.yaml",
            """
            apiVersion: v1
            kind: Service
            metadata: {name: web, namespace: shop}
            spec:
              ports: [{name: http, port: 80}]
            """,
            "service.yaml",
            """
            apiVersion: v1
            kind: Service
            metadata: {name: wide, namespace: shop}
            spec:
              ports: [{name: http, port: "1-70000"}]
            """,
            "routes.yaml",
            """
            apiVersion: specs.smi-spec.io/v1alpha4
            kind: TCPRoute
            metadata: {name: backwards, namespace: shop}
            spec:
              matches: {ports: ["9-3"]}
            """,
            "udp.yaml",
            """
            apiVersion: specs.smi-spec.io/v1alpha4
            kind: UDPRoute
            metadata: {name: letters, namespace: shop}
            spec:
              matches: {ports: ["a-b"]}
            """,
            "huge.yaml",
            """
            apiVersion: specs.smi-spec.io/v1alpha4
            kind: TCPRoute
            metadata: {name: huge, namespace: shop}
            spec:
              matches: {ports: [70000, 0]}
            """);
    for (Map.Entry<String, String> f : files.entrySet()) {
      Files.writeString(dir.resolve(f.getKey()), f.getValue());
    }
    try (FileSource source = new FileSource(dir)) {
      source.start(() -> {});
      await().atMost(Duration.ofSeconds(10)).until(source::hasSynced);
      Topology topology = Topology.from(source.snapshot(), source.problems());
      CompileResult r =
          new MeshCompiler(settings(new Random(1)))
              .compile(topology, PortAllocation.empty(), null, 1_000);
      List<String> problems = r.problems().stream().map(Problem::toString).toList();

      assertThat(r.config().listeners()).extracting(ListenerConfig::key).contains("shop/web:80");
      assertThat(problems)
          .anyMatch(p -> p.contains("service.yaml"))
          .anyMatch(p -> p.contains("routes.yaml"))
          .anyMatch(p -> p.contains("udp.yaml"))
          .anyMatch(
              p -> p.startsWith("TCPRoute shop/huge: spec.matches.ports[0]") && p.contains("70000"))
          .anyMatch(p -> p.startsWith("TCPRoute shop/huge: spec.matches.ports[1]"));
      RoutingTable.compile(
          MeshConfigJson.read(MeshConfigJson.write(r.config())), new ProxyMetrics());
    }
  }

  /** The controller's own port-range flags and chart values refuse the same texts in one line. */
  @Test
  void portRangeTextsAreRefusedWithTheirText() {
    for (String text : List.of("1-70000", "9-3", "a-b", "0-10", "-5", "5-", "", "65535-65536")) {
      assertThatThrownBy(() -> PortRange.parse(text))
          .as("'%s'", text)
          .isInstanceOf(IllegalArgumentException.class)
          .message()
          .doesNotContain("\n")
          .contains(text.isEmpty() ? "empty" : text);
    }
  }
}
