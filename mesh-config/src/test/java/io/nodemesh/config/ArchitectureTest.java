package io.nodemesh.config;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The contract's package layering (docs/architecture.md, "Packages and their imports"). Here the
 * root package is the contract itself, so it takes part in the cycle check as a slice of its own.
 * Three layers, top first: {@code access} (the evaluator both ends run) reads the root's records;
 * the root ({@code MeshConfig} and every record it holds, the access part included) imports no
 * evaluator; the leaves import nothing else of the contract.
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
  void packagesAreFreeOfCycles() {
    slices().assignedFrom(PACKAGES).should().beFreeOfCycles().check(MAIN);
  }

  @Test
  void theRecordsDoNotImportTheEvaluator() {
    noClasses()
        .that()
        .resideInAPackage(ROOT)
        .should()
        .dependOnClassesThat()
        .resideInAPackage(ROOT + ".access..")
        .check(MAIN);
  }

  @ParameterizedTest
  @ValueSource(strings = {"http", "identity", "tap", "tunnel", "wire"})
  void aLeafImportsNothingElseOfTheContract(String leaf) {
    noClasses()
        .that()
        .resideInAPackage(ROOT + "." + leaf + "..")
        .should()
        .dependOnClassesThat(
            resideInAPackage(ROOT + "..").and(not(resideInAPackage(ROOT + "." + leaf + ".."))))
        .check(MAIN);
  }
}
