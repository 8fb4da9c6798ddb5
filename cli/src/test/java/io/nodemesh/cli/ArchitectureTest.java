package io.nodemesh.cli;

import com.tngtech.archunit.core.domain.JavaClasses;
import io.nodemesh.testkit.Layering;
import org.junit.jupiter.api.Test;

/**
 * The CLI's package layering (docs/architecture.md, "Packages and their imports"): the commands in
 * the root package use {@code check}, {@code logging} and {@code traffic}, which never import a
 * command back, and there is no package cycle.
 */
class ArchitectureTest {
  private static final String ROOT = "io.nodemesh.cli";

  private static final JavaClasses MAIN = Layering.mainClasses(ROOT);

  @Test
  void packagesAreFreeOfCycles() {
    Layering.subpackagesFreeOfCycles(ROOT).check(MAIN);
  }

  @Test
  void onlyTheRootPackageWiresAndNothingImportsIt() {
    Layering.nothingImportsTheRoot(ROOT).check(MAIN);
  }

  @Test
  void noLayerImportsOneAboveIt() {
    Layering.layers(ROOT, "(root)", "check, logging, traffic").check(MAIN);
  }
}
