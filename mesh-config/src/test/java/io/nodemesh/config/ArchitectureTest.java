package io.nodemesh.config;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import org.junit.jupiter.api.Test;

/**
 * The contract's package layering (docs/architecture.md, "Packages and their imports"). Here the
 * root package is the contract itself, so it takes part in the cycle check as a slice of its own.
 *
 * <p>One cycle is older than this test (issue 19): the root's {@code MeshConfig} carries the {@code
 * access} part, and {@code access} matches requests with the root's {@code HttpMatch}, {@code
 * Protocol} and {@code TenantRegex}. It is frozen to the two classes that close it today; a new
 * root class that imports {@code access}, or any other cycle, fails the build.
 */
class ArchitectureTest {
  private static final String ROOT = "io.nodemesh.config";

  private static final JavaClasses MAIN =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages(ROOT);

  /** The root package and each direct subpackage (with everything below it) are one slice. */
  private static final SliceAssignment PACKAGES =
      new SliceAssignment() {
        @Override
        public SliceIdentifier getIdentifierOf(JavaClass c) {
          String p = c.getPackageName();
          if (p.equals(ROOT)) {
            return SliceIdentifier.of("(root)");
          }
          if (!p.startsWith(ROOT + ".")) {
            return SliceIdentifier.ignore();
          }
          String below = p.substring(ROOT.length() + 1);
          int dot = below.indexOf('.');
          return SliceIdentifier.of(dot < 0 ? below : below.substring(0, dot));
        }

        @Override
        public String getDescription() {
          return ROOT + " and its direct subpackages";
        }
      };

  @Test
  void noNewPackageCycle() {
    slices()
        .assignedFrom(PACKAGES)
        .should()
        .beFreeOfCycles()
        .ignoreDependency(named("MeshConfig"), resideInAPackage(ROOT + ".access"))
        .ignoreDependency(named("MeshConfigDelta"), resideInAPackage(ROOT + ".access"))
        .check(MAIN);
  }

  @Test
  void httpCanonicalisationImportsNothingElseOfTheContract() {
    noClasses()
        .that()
        .resideInAPackage(ROOT + ".http..")
        .should()
        .dependOnClassesThat(
            resideInAPackage(ROOT + "..").and(not(resideInAPackage(ROOT + ".http.."))))
        .check(MAIN);
  }

  @Test
  void theWireNamesImportNothingElseOfTheContract() {
    noClasses()
        .that()
        .resideInAPackage(ROOT + ".wire..")
        .should()
        .dependOnClassesThat(
            resideInAPackage(ROOT + "..").and(not(resideInAPackage(ROOT + ".wire.."))))
        .check(MAIN);
  }

  /** The root class {@code simpleName} and its nested classes. */
  private static DescribedPredicate<JavaClass> named(String simpleName) {
    String name = ROOT + "." + simpleName;
    return DescribedPredicate.describe(
        name, c -> c.getName().equals(name) || c.getName().startsWith(name + "$"));
  }
}
