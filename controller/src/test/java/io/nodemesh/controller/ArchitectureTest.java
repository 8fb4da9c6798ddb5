package io.nodemesh.controller;

import com.tngtech.archunit.core.domain.JavaClasses;
import io.nodemesh.testkit.Layering;
import org.junit.jupiter.api.Test;

/**
 * The controller's package layering as docs/architecture.md draws it ("Packages and their
 * imports"): the root package only wires and nothing imports it, no package cycle, and the layers
 * below, top first. A layer never imports one above it: the input side (sources, topology) never
 * reaches into what is computed from it, and {@code common} is the floor everyone may stand on.
 */
class ArchitectureTest {
  private static final String ROOT = "io.nodemesh.controller";

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
    Layering.layers(
            ROOT,
            "(root)",
            "api",
            "shadow",
            "compile",
            "access",
            "gamma",
            "identity",
            "events, leader",
            "topology",
            "source",
            "tunnel, tap, traffic, strict",
            "common")
        .check(MAIN);
  }
}
