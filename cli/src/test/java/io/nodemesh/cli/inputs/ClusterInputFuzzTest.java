package io.nodemesh.cli.inputs;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * The property of {@link ClusterInputPropertyTest}, with the generator's choices made by Jazzer
 * instead of a seeded random: no exception escapes the compiler, every fault the generator put in
 * is a problem naming its object, and the proxy accepts the config after a JSON round trip.
 *
 * <p>Runs only under {@code JAZZER_FUZZ=1} ({@code bin/fuzz}, which {@code .ci/run} calls), and
 * then fuzzes for {@code maxDuration} after replaying {@code ClusterInputFuzzTestInputs}: Jazzer's
 * agent instruments every class the cli tests load (controller, proxy, fabric8, Netty), which in a
 * plain build would cost about half a minute while the property test already checks the same path
 * 2,000 times.
 */
@EnabledIfEnvironmentVariable(named = "JAZZER_FUZZ", matches = ".+")
class ClusterInputFuzzTest {
  @FuzzTest(maxDuration = "30s")
  void anyCluster(FuzzedDataProvider data) {
    FuzzedChoices choices = new FuzzedChoices(data);
    RandomCluster.Cluster cluster = RandomCluster.generate(choices);
    RandomCluster.Cluster other = RandomCluster.generate(choices);
    ClusterInputPropertyTest.check(cluster, other, choices);
  }
}
