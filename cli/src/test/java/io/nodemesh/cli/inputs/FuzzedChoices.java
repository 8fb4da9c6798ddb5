package io.nodemesh.cli.inputs;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import java.util.random.RandomGenerator;

/**
 * A {@link RandomGenerator} whose every choice is taken from a fuzzer's input, so that Jazzer's
 * coverage feedback steers {@link RandomCluster} itself: each bounded choice is one value of the
 * input, and an exhausted input chooses the first option from then on.
 */
final class FuzzedChoices implements RandomGenerator {
  private final FuzzedDataProvider data;

  FuzzedChoices(FuzzedDataProvider data) {
    this.data = data;
  }

  @Override
  public long nextLong() {
    return data.consumeLong();
  }

  @Override
  public int nextInt(int bound) {
    return data.consumeInt(0, bound - 1);
  }

  @Override
  public boolean nextBoolean() {
    return data.consumeBoolean();
  }
}
