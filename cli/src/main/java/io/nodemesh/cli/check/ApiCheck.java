package io.nodemesh.cli.check;

import static io.nodemesh.cli.check.CheckText.oneLine;

import io.fabric8.kubernetes.client.KubernetesClient;

/** The API server answers; when it does not, {@link ClusterCheck} skips every other item. */
final class ApiCheck implements Check {
  @Override
  public String name() {
    return "api";
  }

  @Override
  public CheckItem run(CheckContext c) {
    KubernetesClient client = c.client();
    try {
      var v = client.getKubernetesVersion();
      return CheckItem.pass(
          "api",
          "Kubernetes %s.%s at %s".formatted(v.getMajor(), v.getMinor(), client.getMasterUrl()));
    } catch (RuntimeException e) {
      return CheckItem.fail(
          "api", "cannot reach %s: %s".formatted(client.getMasterUrl(), oneLine(e)));
    }
  }
}
