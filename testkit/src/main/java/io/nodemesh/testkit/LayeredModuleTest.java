package io.nodemesh.testkit;

import com.tngtech.archunit.core.domain.JavaClasses;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * The three rules of a module whose root package wires everything and whose other packages form
 * layers (docs/architecture.md, "Packages and their imports"): no package cycle, nothing imports
 * the root, and no layer imports one above it. A module's {@code ArchitectureTest} extends this
 * with its root and its layers, top first, as the document draws them.
 */
public abstract class LayeredModuleTest {
  private static final Map<String, JavaClasses> MAIN = new ConcurrentHashMap<>();

  private final String root;
  private final List<String> topDown;

  protected LayeredModuleTest(String root, String... topDown) {
    this.root = root;
    this.topDown = List.of(topDown);
  }

  private JavaClasses main() {
    return MAIN.computeIfAbsent(root, Layering::mainClasses);
  }

  @Test
  public void packagesAreFreeOfCycles() {
    Layering.subpackagesFreeOfCycles(root).check(main());
  }

  @Test
  public void onlyTheRootPackageWiresAndNothingImportsIt() {
    Layering.nothingImportsTheRoot(root).check(main());
  }

  @Test
  public void noLayerImportsOneAboveIt() {
    Layering.layers(root, topDown.toArray(String[]::new)).check(main());
  }
}
