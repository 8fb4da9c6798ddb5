package io.nodemesh.dns;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The module's two halves (docs/architecture.md, "Packages and their imports"): the patch of
 * CoreDNS / kube-dns in the root package and the mesh DNS server in {@code server} share no code,
 * so there can be no cycle between them, and the server could still move to a module of its own
 * (the module is named {@code mesh-dns} after both, issue 19). Those two are the module's layers,
 * side by side; the cycle rule holds what may grow below them.
 */
class ArchitectureTest {
  private static final String ROOT = "io.nodemesh.dns";

  private static final JavaClasses MAIN =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages(ROOT);

  @Test
  void thePatcherDoesNotImportTheServer() {
    noClasses()
        .that()
        .resideInAPackage(ROOT)
        .should()
        .dependOnClassesThat()
        .resideInAPackage(ROOT + ".server..")
        .check(MAIN);
  }

  @Test
  void theServerDoesNotImportThePatcher() {
    noClasses()
        .that()
        .resideInAPackage(ROOT + ".server..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage(ROOT)
        .check(MAIN);
  }

  @Test
  void packagesAreFreeOfCycles() {
    slices().matching(ROOT + ".(*)..").should().beFreeOfCycles().check(MAIN);
  }
}
