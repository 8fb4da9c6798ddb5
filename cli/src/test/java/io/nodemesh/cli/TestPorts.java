package io.nodemesh.cli;

import io.nodemesh.controller.common.PortRange;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Proxy port ranges for tests: a random block below the kernel's ephemeral range, so two builds
 * running at once on one machine do not bind each other's listener ports.
 */
final class TestPorts {
  private static final int BASE = 20_000 + 300 * ThreadLocalRandom.current().nextInt(40);

  private TestPorts() {}

  /** Range {@code i} (0 = HTTP, 1 = TCP, 2 = UDP) of this JVM's block: 100 ports each. */
  static PortRange range(int i) {
    int first = BASE + 100 * i;
    return new PortRange(first, first + 99);
  }
}
