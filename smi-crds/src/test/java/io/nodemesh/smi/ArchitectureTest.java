package io.nodemesh.smi;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The SMI models' packages (docs/architecture.md, "Packages and their imports"). The module is one
 * package today, so its cycle rule holds trivially; it is stated so that the first subpackage is
 * held by it. Of the contract, the models use only the root's rules ({@code TenantRegex}), never
 * the access evaluator or the wire names: {@code smi-crds ──> mesh-config}, nothing more.
 */
class ArchitectureTest {
  /** The module's main classes: the validator's package and everything below it. */
  private static final JavaClasses MAIN =
      new ClassFileImporter(List.of(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS))
          .importPackagesOf(SmiValidator.class);

  @Test
  void packagesAreFreeOfCycles() {
    slices()
        .matching("io.nodemesh.smi.(*)..")
        .should()
        .beFreeOfCycles()
        .allowEmptyShould(true)
        .check(MAIN);
  }

  @Test
  void ofTheContractOnlyTheRootIsUsed() {
    noClasses()
        .that()
        .resideInAPackage("io.nodemesh.smi..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.nodemesh.config.*..")
        .check(MAIN);
  }
}
