package io.nodemesh.cli;

import io.nodemesh.testkit.LayeredModuleTest;

/**
 * The CLI's package layering (docs/architecture.md, "Packages and their imports"): the commands in
 * the root package use {@code check}, {@code logging} and {@code traffic}, which never import a
 * command back, and there is no package cycle.
 */
class ArchitectureTest extends LayeredModuleTest {
  ArchitectureTest() {
    super("io.nodemesh.cli", "(root)", "check, logging, traffic");
  }
}
