package io.nodemesh.controller;

import io.nodemesh.testkit.LayeredModuleTest;

/**
 * The controller's package layering as docs/architecture.md draws it ("Packages and their
 * imports"): the root package only wires and nothing imports it, no package cycle, and the layers
 * below, top first. A layer never imports one above it: the input side (sources, topology) never
 * reaches into what is computed from it, and {@code common} is the floor everyone may stand on.
 */
class ArchitectureTest extends LayeredModuleTest {
  ArchitectureTest() {
    super(
        "io.nodemesh.controller",
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
        "common");
  }
}
