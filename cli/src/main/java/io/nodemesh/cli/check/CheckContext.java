package io.nodemesh.cli.check;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * What every check may use during one run of {@link ClusterCheck}: the user's client, the settings
 * of the install, the clock, the way to the controller and the proxies, and the one thing a check
 * hands to a later one (the ready proxies that {@link ProxiesCheck} found, which {@link
 * ProxyConfigCheck} asks for their config version). One per run, on one thread.
 */
final class CheckContext {
  private final KubernetesClient client;
  private final Function<KubernetesClient, KubernetesClient> asController;
  private final ClusterCheck.Settings settings;
  private final Clock clock;
  private final ControllerAccess access;
  private final List<Pod> readyProxies = new ArrayList<>();

  CheckContext(
      KubernetesClient client,
      Function<KubernetesClient, KubernetesClient> asController,
      ClusterCheck.Settings settings,
      Clock clock,
      ControllerAccess access) {
    this.client = client;
    this.asController = asController;
    this.settings = settings;
    this.clock = clock;
    this.access = access;
  }

  KubernetesClient client() {
    return client;
  }

  /** A client acting as the controller's ServiceAccount; identity means "my own permissions". */
  Function<KubernetesClient, KubernetesClient> asController() {
    return asController;
  }

  ClusterCheck.Settings settings() {
    return settings;
  }

  Clock clock() {
    return clock;
  }

  ControllerAccess access() {
    return access;
  }

  /** The ready proxy pods, one per node, as {@link ProxiesCheck} found them (empty before it). */
  List<Pod> readyProxies() {
    return readyProxies;
  }
}
