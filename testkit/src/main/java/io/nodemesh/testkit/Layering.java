package io.nodemesh.testkit;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.CompositeArchRule;
import com.tngtech.archunit.library.dependencies.SliceRule;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

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

  /**
   * The layer order that docs/architecture.md draws for a module: a class never imports a class of
   * a layer above its own. Layers are given top first; each is a comma-separated list of packages
   * relative to {@code root} (each with everything below it), {@code "(root)"} for the root package
   * itself. A package in no layer is held only by the cycle rule; a listed package that has no
   * class fails the rule, so the list cannot go stale.
   */
  public static ArchRule layers(String root, String... topDown) {
    List<String> above = new ArrayList<>();
    CompositeArchRule rule = null;
    for (String layer : topDown) {
      String[] packages =
          Arrays.stream(layer.split(","))
              .map(String::trim)
              .map(p -> p.equals("(root)") ? root : root + "." + p + "..")
              .toArray(String[]::new);
      if (!above.isEmpty()) {
        ArchRule r =
            noClasses()
                .that()
                .resideInAnyPackage(packages)
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(above.toArray(String[]::new));
        rule = rule == null ? CompositeArchRule.of(r) : rule.and(r);
      }
      above.addAll(Arrays.asList(packages));
    }
    if (rule == null) {
      throw new IllegalArgumentException("at least two layers: " + Arrays.toString(topDown));
    }
    return rule.as(
        "no layer imports one above it (docs/architecture.md, \"Packages and their imports\"): "
            + String.join(" > ", topDown));
  }
}
