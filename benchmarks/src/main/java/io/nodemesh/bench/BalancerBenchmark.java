package io.nodemesh.bench;

import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.proxy.balance.CompiledBackend;
import io.nodemesh.proxy.balance.SmoothWeightedRoundRobin;
import io.nodemesh.proxy.balance.Target;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * Balancer picks: the split's smooth weighted round robin and the endpoint round robin, alone and
 * with two threads sharing one counter (two event loops serving one Service).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class BalancerBenchmark {
  private SmoothWeightedRoundRobin weights;
  private CompiledBackend backend;

  @Setup
  public void setUp() {
    weights = new SmoothWeightedRoundRobin(new int[] {90, 9, 1});
    List<EndpointConfig> eps = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      eps.add(EndpointConfig.ready(SyntheticMesh.ip(i), 8080));
    }
    backend = new CompiledBackend(new BackendConfig("svc", 1, eps));
  }

  @Benchmark
  public int weightedPick() {
    return weights.pick();
  }

  @Benchmark
  public Target endpointPick() {
    return backend.pick();
  }

  @Benchmark
  @Threads(2)
  public int weightedPickTwoThreads() {
    return weights.pick();
  }

  @Benchmark
  @Threads(2)
  public Target endpointPickTwoThreads() {
    return backend.pick();
  }
}
