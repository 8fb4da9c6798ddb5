package io.nodemesh.proxy;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.library.dependencies.SliceRule;
import io.nodemesh.testkit.Layering;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The proxy's package layering (docs/architecture.md, "Packages and their imports"): the root
 * package wires everything and nothing imports it, and no new package cycle may appear.
 *
 * <p>The proxy had four package cycles when this test was written (issue 19): http↔limits,
 * balance↔resilience, balance↔metrics and listener↔metrics. They are frozen below, one class
 * dependency at a time, so a new class that closes one of these cycles again, or any new cycle,
 * fails the build. Removing a cycle means deleting its lines here.
 */
class ArchitectureTest {
  private static final String ROOT = "io.nodemesh.proxy";

  /** Known cycle edges as "origin class -> target class", relative to {@link #ROOT}. */
  private static final List<String> FROZEN_CYCLE_EDGES =
      List.of(
          // http ↔ limits: the request guard answers with http's canned responses.
          "limits.RequestGuard -> http.Responses",
          // balance ↔ resilience: a call and the breakers know the endpoint they guard.
          "resilience.Call -> balance.CompiledBackend",
          "resilience.Call -> balance.EndpointState",
          "resilience.Call -> balance.Target",
          "resilience.ResilienceRegistry -> balance.EndpointRegistry",
          // balance ↔ metrics and listener ↔ metrics: metrics label by listener and target.
          "metrics.ProxyMetrics -> balance.Target",
          "metrics.RequestObservation -> balance.Target",
          "metrics.ProxyMetrics -> listener.CompiledListener",
          "metrics.RequestObservation -> listener.CompiledListener");

  private static final JavaClasses MAIN = Layering.mainClasses(ROOT);

  @Test
  void noNewPackageCycle() {
    SliceRule rule = Layering.subpackagesFreeOfCycles(ROOT);
    for (String edge : FROZEN_CYCLE_EDGES) {
      String[] ends = edge.split(" -> ");
      rule = rule.ignoreDependency(topLevel(ends[0]), topLevel(ends[1]));
    }
    rule.check(MAIN);
  }

  @Test
  void onlyTheRootPackageWiresAndNothingImportsIt() {
    Layering.nothingImportsTheRoot(ROOT).check(MAIN);
  }

  /** The class {@code ROOT.relativeName} and its nested classes. */
  private static DescribedPredicate<JavaClass> topLevel(String relativeName) {
    String name = ROOT + "." + relativeName;
    return DescribedPredicate.describe(
        name, c -> c.getName().equals(name) || c.getName().startsWith(name + "$"));
  }
}
