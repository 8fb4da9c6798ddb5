package io.nodemesh.bench;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.MeshConfigDelta;
import io.nodemesh.config.MeshConfigJson;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.controller.compile.CompileResult;
import io.nodemesh.controller.compile.MeshCompiler;
import io.nodemesh.controller.compile.PortAllocation;
import io.nodemesh.controller.source.SourceSnapshot;
import io.nodemesh.controller.topology.Topology;
import io.nodemesh.proxy.balance.ResilienceRegistry;
import io.nodemesh.proxy.listener.RoutingState;
import io.nodemesh.proxy.listener.RoutingTable;
import io.nodemesh.proxy.metrics.ProxyMetrics;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * A config change end to end, piece by piece: the controller compiles the topology (all of it, or
 * after one EndpointSlice changed), serialises it; the proxy parses it, compiles its routing table
 * (a pure function of the config and the table in force) and commits it (carries the breaker,
 * ejection and in-flight state over, drops what the config removed, swaps the table).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ConfigApplyBenchmark {
  @Param({"100", "1000"})
  public int services;

  private SyntheticCluster cluster;
  private List<HasMetadata> objects;
  private int sliceIndex;
  private CompileResult previous;
  private MeshConfig config;
  private String json;
  private MeshConfig changed;
  private byte[] deltaJson;
  private ProxyMetrics metrics;
  private int generation;
  private MeshCompiler memo;
  private RoutingState state;

  @Setup
  public void setUp() {
    cluster = new SyntheticCluster(services, 10, services / 10);
    objects = new ArrayList<>(cluster.objects());
    for (int i = 0; i < objects.size(); i++) {
      if (objects
          .get(i)
          .getMetadata()
          .getName()
          .equals(SyntheticMesh.service(services / 2) + "-abcde")) {
        sliceIndex = i;
      }
    }
    memo = new MeshCompiler(SyntheticCluster.settings());
    previous = compile(null, PortAllocation.empty());
    compile(previous.config(), previous.allocation(), memo);
    config = SyntheticMesh.config(1, services, 10, true);
    json = MeshConfigJson.write(config);
    // The next version: one Service's endpoints moved, as after a rollout.
    List<ListenerConfig> listeners = new ArrayList<>(config.listeners());
    ListenerConfig moved = listeners.get(services / 2);
    BackendConfig root = moved.route().root();
    listeners.set(
        services / 2,
        new ListenerConfig(
            moved.namespace(),
            moved.service(),
            moved.port(),
            moved.protocol(),
            moved.proxyPort(),
            new RouteConfig(
                new BackendConfig(
                    root.service(),
                    root.weight(),
                    List.of(EndpointConfig.ready(SyntheticMesh.ip(999_999), 8080))),
                moved.route().split(),
                moved.route().matches(),
                moved.route().splitName(),
                moved.route().rules()),
            moved.policy()));
    changed = new MeshConfig(2, config.meshDomain(), listeners, config.access());
    deltaJson = controllerDelta();
    metrics = new ProxyMetrics();
    state = new RoutingState(new ResilienceRegistry(null));
    state.commit(RoutingTable.compile(config, metrics, state, null));
  }

  private CompileResult compile(MeshConfig prior, PortAllocation allocation) {
    return compile(prior, allocation, new MeshCompiler(SyntheticCluster.settings()));
  }

  private CompileResult compile(MeshConfig prior, PortAllocation allocation, MeshCompiler m) {
    Topology t = Topology.from(SourceSnapshot.of(objects), List.of());
    return m.compile(t, allocation, prior, System.currentTimeMillis());
  }

  /** Controller: everything from scratch (start-up, or a leader change). */
  @Benchmark
  public CompileResult controllerFullCompile() {
    return compile(null, PortAllocation.empty());
  }

  /**
   * Controller: one pod of one Service replaced. The whole topology is recompiled, reusing the
   * endpoint lists of the unchanged Services, as the controller does.
   */
  @Benchmark
  public CompileResult controllerOneChange() {
    objects.set(sliceIndex, cluster.slice(services / 2, ++generation));
    return compile(previous.config(), previous.allocation(), memo);
  }

  /** Controller: the JSON body served to each proxy. */
  @Benchmark
  public String controllerSerialize() {
    return MeshConfigJson.write(config);
  }

  /** Controller: the delta body from the previous version (computed once per version). */
  @Benchmark
  public byte[] controllerDelta() {
    return MeshConfigJson.writeBytes(MeshConfigDelta.between(config, changed).orElseThrow());
  }

  /** Proxy: read a one-Service delta and apply it to the config held (instead of proxyParse). */
  @Benchmark
  public MeshConfig proxyApplyDelta() {
    return MeshConfigJson.readDelta(new String(deltaJson, StandardCharsets.UTF_8)).applyTo(config);
  }

  /** Proxy: parse the JSON body. */
  @Benchmark
  public MeshConfig proxyParse() {
    return MeshConfigJson.read(json);
  }

  /**
   * Proxy: apply the one-Service change as the proxy did before incremental compiles, recompiling
   * every listener, then commit (with the proxy's one state, flipping between the two versions).
   */
  @Benchmark
  public RoutingTable proxyApplyChangeFull() {
    RoutingTable next = RoutingTable.compile(flip(), metrics, state, null);
    state.commit(next);
    return next;
  }

  /**
   * Proxy: apply the one-Service change as the proxy does: compile only the changed listener, then
   * commit.
   */
  @Benchmark
  public RoutingTable proxyApplyChangeIncremental() {
    RoutingTable next = RoutingTable.compile(flip(), metrics, state, state.current());
    state.commit(next);
    return next;
  }

  /** Proxy: the pure compile step of {@link #proxyApplyChangeIncremental} alone (no commit). */
  @Benchmark
  public RoutingTable proxyCompileChange() {
    return RoutingTable.compile(flip(), metrics, state, state.current());
  }

  private MeshConfig flip() {
    return state.current().config() == config ? changed : config;
  }

  /** Proxy: compile the routing table (regexes, weight cycles, resolved endpoints). */
  @Benchmark
  public RoutingTable proxyCompileTable() {
    return RoutingTable.compile(config, metrics);
  }
}
