package io.nodemesh.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collection;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs every JMH benchmark once, briefly, in one forked JVM each: proves that the benchmarks are
 * generated, start and produce a score. Not a timed test; bench/jmh.sh takes the real numbers.
 */
class JmhShortModeTest {
  @Test
  void everyBenchmarkRunsAndScores() throws RunnerException {
    Options options =
        new OptionsBuilder()
            .include(JmhShortModeTest.class.getPackageName() + "\\..*Benchmark\\..*")
            .param("services", "100")
            .forks(0)
            .warmupIterations(0)
            .measurementIterations(1)
            .measurementTime(TimeValue.milliseconds(100))
            .timeout(TimeValue.seconds(30))
            .timeUnit(TimeUnit.NANOSECONDS)
            .shouldFailOnError(true)
            .build();
    Collection<RunResult> results = new Runner(options).run();
    assertThat(results)
        .extracting(r -> r.getParams().getBenchmark())
        .contains(
            RoutingBenchmark.class.getName() + ".pickSplitPathMatch",
            BalancerBenchmark.class.getName() + ".weightedPick",
            HeaderRewriteBenchmark.class.getName() + ".prepareRequest",
            ConfigApplyBenchmark.class.getName() + ".controllerOneChange",
            // one per stage of the request path (docs/architecture.md)
            DecodeBenchmark.class.getName() + ".browserGet",
            AdmitBenchmark.class.getName() + ".allowed",
            AdmitBenchmark.class.getName() + ".refusedEncodedSlash",
            RouterBenchmark.class.getName() + ".entryHost",
            BalancePolicyBenchmark.class.getName() + ".choose",
            RespondBenchmark.class.getName() + ".tooManyRequests");
    for (RunResult r : results) {
      assertThat(r.getPrimaryResult().getScore())
          .as(r.getParams().getBenchmark())
          .isPositive()
          .isFinite();
    }
  }
}
