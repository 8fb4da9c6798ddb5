package io.nodemesh.testkit;

import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.MeshConfig;
import java.util.List;

/** Reads what a controller serves: a listener of a {@link MeshConfig} by key, its split weights. */
public final class Served {
  private Served() {}

  /** The listener {@code namespace/service:port}, or null while the config has none. */
  public static ListenerConfig listener(MeshConfig config, String key) {
    return config.listeners().stream().filter(l -> l.key().equals(key)).findFirst().orElse(null);
  }

  /** The TrafficSplit weights of that listener's route, in backend order; none without it. */
  public static List<Integer> splitWeights(MeshConfig config, String key) {
    ListenerConfig l = listener(config, key);
    return l == null ? List.of() : l.route().split().stream().map(BackendConfig::weight).toList();
  }
}
