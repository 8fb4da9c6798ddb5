package io.nodemesh.bench;

import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.ServicePolicy;
import io.nodemesh.proxy.balance.CompiledBackend;
import io.nodemesh.proxy.balance.EndpointRegistry;
import io.nodemesh.proxy.balance.EndpointState;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
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
 * The balance stage's endpoint choice under each lb policy ({@code balancing.policy}): one backend
 * of 10 ready endpoints, as a request's pick makes it ({@link CompiledBackend#choose}, nothing
 * tried yet; the consistent hash with a request's key).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class BalancePolicyBenchmark {
  @Param({"round-robin", "random", "least-request", "ewma", "consistent-hash"})
  public String policy;

  private CompiledBackend backend;
  private OptionalLong key;

  @Setup
  public void setUp() {
    List<EndpointConfig> eps = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      eps.add(EndpointConfig.ready(SyntheticMesh.ip(i), 8080));
    }
    ServicePolicy.Balancing balancing =
        new ServicePolicy.Balancing(ServicePolicy.LbPolicy.parse(policy), null, null, false);
    ServicePolicy p = new ServicePolicy(null, balancing, null, null, null, null, null, null, null);
    backend =
        new CompiledBackend(new BackendConfig("svc", 1, eps), p, new EndpointRegistry(), null);
    // A request's hash key (the source IP's hash by default): any fixed value.
    key = OptionalLong.of(0x5DEECE66DL);
  }

  @Benchmark
  public EndpointState choose() {
    return backend.choose(key, null, System.nanoTime());
  }
}
