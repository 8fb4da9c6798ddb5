package io.nodemesh.proxy;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The layers of the route rule packages (issue 17, docs/architecture.md): {@code route} sits under
 * the protocol front ends and the listener table, and {@code fault} and {@code mirror} under {@code
 * route}, so none of them may import a front end, the listener table or each other upwards. The
 * cycle check of {@link ArchitectureTest} covers them too.
 */
class RoutePackagesArchitectureTest {
  private static final JavaClasses MAIN =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("io.nodemesh.proxy");

  @Test
  void routeImportsNoFrontEndAndNoListenerTable() {
    noClasses()
        .that()
        .resideInAPackage("io.nodemesh.proxy.route..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.nodemesh.proxy.accept..",
            "io.nodemesh.proxy.decode..",
            "io.nodemesh.proxy.routing..",
            "io.nodemesh.proxy.upstream..",
            "io.nodemesh.proxy.tcp..",
            "io.nodemesh.proxy.udp..",
            "io.nodemesh.proxy.listener..")
        .check(MAIN);
  }

  @Test
  void faultAndMirrorImportNeitherRouteNorFrontEnds() {
    noClasses()
        .that()
        .resideInAnyPackage("io.nodemesh.proxy.fault..", "io.nodemesh.proxy.mirror..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.nodemesh.proxy.route..",
            "io.nodemesh.proxy.accept..",
            "io.nodemesh.proxy.decode..",
            "io.nodemesh.proxy.routing..",
            "io.nodemesh.proxy.upstream..",
            "io.nodemesh.proxy.listener..")
        .check(MAIN);
  }

  @Test
  void faultImportsNoMirror() {
    noClasses()
        .that()
        .resideInAPackage("io.nodemesh.proxy.fault..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.nodemesh.proxy.mirror..")
        .check(MAIN);
  }
}
