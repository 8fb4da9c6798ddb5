package io.nodemesh.testkit;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.dependencies.SliceRule;

/**
 * The rules every module's {@code ArchitectureTest} states about its packages
 * (docs/architecture.md, "Packages and their imports"), written once.
 */
public final class Layering {
  private Layering() {}

  /** The module's main classes below {@code root}, without its tests. */
  public static JavaClasses mainClasses(String root) {
    return new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages(root);
  }

  /** The direct subpackages of {@code root} (each with everything below it) form no cycle. */
  public static SliceRule subpackagesFreeOfCycles(String root) {
    return slices().matching(root + ".(*)..").should().beFreeOfCycles();
  }

  /** The root package only wires: no class outside it imports it. */
  public static ArchRule nothingImportsTheRoot(String root) {
    return noClasses()
        .that()
        .resideOutsideOfPackage(root)
        .should()
        .dependOnClassesThat()
        .resideInAPackage(root);
  }
}
