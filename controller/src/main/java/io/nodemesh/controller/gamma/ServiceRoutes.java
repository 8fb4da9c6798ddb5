package io.nodemesh.controller.gamma;

import java.util.List;
import java.util.Map;

/**
 * The GAMMA rules in force on one Service, by Service port, each list in precedence order (most
 * specific match first, then the oldest route, then rule order). All rules of one port treat
 * traffic the same way ({@link GammaRule#sameTreatment}); see {@link GammaRoutes}.
 *
 * @param namespace the Service's namespace
 * @param service the Service's name
 * @param byPort rules by Service port number; a port without rules is absent
 */
public record ServiceRoutes(
    String namespace, String service, Map<Integer, List<GammaRule>> byPort) {
  public ServiceRoutes {
    byPort = Map.copyOf(byPort);
  }

  /** The Services its rules send traffic to, as {@code namespace/name}. */
  public List<String> backendKeys() {
    return byPort.values().stream()
        .flatMap(List::stream)
        .flatMap(r -> r.backends().stream())
        .map(b -> namespace + "/" + b.service())
        .distinct()
        .toList();
  }
}
