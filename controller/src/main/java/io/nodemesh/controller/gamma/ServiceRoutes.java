package io.nodemesh.controller.gamma;

import java.util.List;
import java.util.Map;

/**
 * The GAMMA rules in force on one Service, by Service port, each list in precedence order (most
 * specific match first, then the oldest route, then rule order); see {@link GammaRoutes}.
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
        .flatMap(
            r ->
                java.util.stream.Stream.concat(
                    r.backends().stream().map(GammaRule.WeightedBackend::service),
                    r.filters().stream()
                        .filter(GammaRule.Mirror.class::isInstance)
                        .map(f -> ((GammaRule.Mirror) f).service())))
        .map(b -> namespace + "/" + b)
        .distinct()
        .toList();
  }
}
