package io.nodemesh.controller.compile;

import io.fabric8.kubernetes.api.model.ServicePort;
import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.controller.common.Problem;
import io.nodemesh.controller.compile.SplitPlans.SplitPlan;
import io.nodemesh.controller.topology.Topology;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Builds a meshed Service's listeners from its facts, its allocated proxy ports, its endpoints and
 * its split plan (if any).
 */
final class Listeners {
  private Listeners() {}

  /** The listeners of one meshed Service, in the order of its ports, and their problems. */
  record ServiceListeners(List<ListenerConfig> listeners, List<Problem> problems) {}

  /**
   * Builds the listeners of one meshed Service: one per wanted port that got a proxy port, routed
   * to its own endpoints or, when {@code plan} is not null, split as the plan says.
   */
  static ServiceListeners build(
      ServiceFacts facts,
      PortAllocation allocation,
      SplitPlan plan,
      Topology topology,
      Endpoints endpoints) {
    List<ListenerConfig> listeners = new ArrayList<>();
    List<Problem> problems = new ArrayList<>();
    for (Map.Entry<PortKey, ServicePort> e : facts.wanted().entrySet()) {
      PortKey key = e.getKey();
      Integer proxyPort = allocation.portOf(key);
      if (proxyPort == null) {
        continue;
      }
      BackendConfig root =
          new BackendConfig(
              key.service(),
              1,
              endpoints.of(topology, key.namespace(), key.service(), e.getValue(), problems));
      RouteConfig route =
          plan == null
              ? RouteConfig.direct(root)
              : plan.route(key, e.getValue(), root, topology, problems, endpoints);
      listeners.add(
          new ListenerConfig(
              key.namespace(),
              key.service(),
              key.port(),
              key.protocol(),
              proxyPort,
              route,
              facts.policy()));
    }
    return new ServiceListeners(List.copyOf(listeners), List.copyOf(problems));
  }
}
