package io.nodemesh.controller.compile;

import io.nodemesh.config.ListenerConfig;
import io.nodemesh.controller.common.Problem;
import io.nodemesh.controller.common.ProblemReason;
import io.nodemesh.controller.compile.Listeners.ServiceListeners;
import io.nodemesh.controller.compile.SplitPlans.SplitPlan;
import io.nodemesh.controller.gamma.GammaListeners;
import io.nodemesh.controller.gamma.GammaRoutes;
import io.nodemesh.controller.gamma.ServiceRoutes;
import io.nodemesh.controller.topology.Topology;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The hooks between the SMI compilation and GAMMA routes (package {@code gamma}): a Service with a
 * GAMMA route in force is routed by it, and a TrafficSplit on the same Service is ignored with a
 * Problem (docs/smi.md, "SMI and Gateway API routes on one Service").
 */
final class GammaPrecedence {
  private GammaPrecedence() {}

  /** Removes the split plans of roots that GAMMA routes; reports each on its TrafficSplit. */
  static void overrideSplits(
      Map<String, SplitPlan> plans, GammaRoutes.Plan gamma, List<Problem> problems) {
    plans
        .entrySet()
        .removeIf(
            e -> {
              ServiceRoutes routes = gamma.byService().get(e.getKey());
              if (routes == null) {
                return false;
              }
              SplitPlan p = e.getValue();
              String by = routes.byPort().values().iterator().next().get(0).route().toString();
              problems.add(
                  new Problem(
                      "TrafficSplit",
                      p.split().getMetadata().getNamespace(),
                      p.split().getMetadata().getName(),
                      "spec.service",
                      "Service '"
                          + routes.service()
                          + "' is routed by "
                          + by
                          + "; Gateway API routes take precedence over TrafficSplits, so this"
                          + " split is ignored",
                      ProblemReason.OVERRIDDEN_BY_ROUTE));
              return true;
            });
  }

  /** Services whose GAMMA routes differ between two plans. */
  static Set<String> changedRoots(GammaRoutes.Plan before, GammaRoutes.Plan after) {
    Set<String> out = new HashSet<>();
    Set<String> keys = new HashSet<>(before.byService().keySet());
    keys.addAll(after.byService().keySet());
    for (String k : keys) {
      if (!Objects.equals(before.byService().get(k), after.byService().get(k))) {
        out.add(k);
      }
    }
    return out;
  }

  /** The listeners with the Service's GAMMA rules applied. */
  static ServiceListeners applied(
      ServiceListeners built,
      ServiceRoutes routes,
      Topology t,
      GammaListeners.Endpoints endpoints) {
    if (routes == null) {
      return built;
    }
    List<Problem> problems = new ArrayList<>(built.problems());
    List<ListenerConfig> listeners = new ArrayList<>();
    for (ListenerConfig l : built.listeners()) {
      listeners.add(GammaListeners.apply(l, routes, t, endpoints, problems));
    }
    return new ServiceListeners(List.copyOf(listeners), List.copyOf(problems));
  }
}
