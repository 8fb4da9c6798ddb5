package io.nodemesh.controller;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The controller's package layering as docs/architecture.md draws it ("Packages and their
 * imports"): the root package only wires, {@code common} is the floor everyone may stand on, the
 * input side (sources, topology) never reaches into what is computed from it, and there is no
 * package cycle.
 */
class ArchitectureTest {
  private static final String ROOT = "io.nodemesh.controller";

  private static final JavaClasses MAIN =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages(ROOT);

  @Test
  void packagesAreFreeOfCycles() {
    slices().matching(ROOT + ".(*)..").should().beFreeOfCycles().check(MAIN);
  }

  @Test
  void onlyTheRootPackageWiresAndNothingImportsIt() {
    noClasses()
        .that()
        .resideOutsideOfPackage(ROOT)
        .should()
        .dependOnClassesThat()
        .resideInAPackage(ROOT)
        .check(MAIN);
  }

  @Test
  void commonImportsNoOtherControllerPackage() {
    noClasses()
        .that()
        .resideInAPackage(ROOT + ".common..")
        .should()
        .dependOnClassesThat(
            resideInAPackage(ROOT + "..").and(not(resideInAPackage(ROOT + ".common.."))))
        .check(MAIN);
  }

  @Test
  void sourcesAndTopologyDoNotImportWhatIsComputedFromThem() {
    noClasses()
        .that()
        .resideInAnyPackage(ROOT + ".source..", ROOT + ".topology..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            ROOT + ".access..",
            ROOT + ".compile..",
            ROOT + ".gamma..",
            ROOT + ".shadow..",
            ROOT + ".strict..",
            ROOT + ".api..",
            ROOT + ".events..",
            ROOT + ".leader..")
        .check(MAIN);
  }
}
