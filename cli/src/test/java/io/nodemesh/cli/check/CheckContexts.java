package io.nodemesh.cli.check;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.function.Function;

/** A {@link CheckContext} for one check against the mock API server, at a fixed instant. */
final class CheckContexts {
  private CheckContexts() {}

  static CheckContext of(KubernetesClient client, Instant now) {
    ClusterCheck.Settings settings = ClusterCheck.Settings.defaults();
    return new CheckContext(
        client,
        Function.identity(),
        settings,
        Clock.fixed(now, ZoneOffset.UTC),
        new ControllerAccess(client, settings, false, null));
  }
}
