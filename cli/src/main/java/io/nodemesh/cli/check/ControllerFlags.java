package io.nodemesh.cli.check;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.List;
import java.util.Optional;

/**
 * The command-line flags the installed controller runs with, read from its Deployment: what the
 * chart's values turned on (e.g. {@code --ca} with {@code identity.enabled}, {@code --ca-secret}
 * from {@code identity.ca.secretName}), so that {@link RbacCheck} asks only for the rights this
 * install needs. Without a Deployment (not installed yet, or run elsewhere) the chart's defaults
 * stand in.
 *
 * @param args the controller container's arguments, in order
 * @param source where they came from, for the check's detail
 */
record ControllerFlags(List<String> args, String source) {
  /** The flags {@code helm install} with default values gives the controller that matter here. */
  static final List<String> CHART_DEFAULTS = List.of("--ca");

  ControllerFlags {
    args = List.copyOf(args);
  }

  /** The flags of Deployment {@code <controllerName>} in the mesh namespace, else the defaults. */
  static ControllerFlags of(CheckContext c) {
    String ns = c.settings().meshNamespace();
    String name = c.settings().controllerName();
    Deployment d;
    try {
      d = c.client().apps().deployments().inNamespace(ns).withName(name).get();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 403) {
        throw e;
      }
      // A user who may review permissions but not read the Deployment: say so, check the defaults.
      return new ControllerFlags(
          CHART_DEFAULTS,
          "may not read Deployment %s/%s, so the chart's defaults".formatted(ns, name));
    }
    if (d == null) {
      return new ControllerFlags(
          CHART_DEFAULTS, "no Deployment %s/%s, so the chart's defaults".formatted(ns, name));
    }
    List<Container> containers = d.getSpec().getTemplate().getSpec().getContainers();
    List<String> args =
        containers.isEmpty() || containers.get(0).getArgs() == null
            ? List.of()
            : containers.get(0).getArgs();
    return new ControllerFlags(args, "as Deployment %s/%s runs".formatted(ns, name));
  }

  /**
   * Whether boolean flag {@code flag} is on: given bare or as {@code =true}, the last occurrence
   * winning (picocli's rule for a repeated option).
   */
  boolean on(String flag) {
    boolean on = false;
    for (String a : args) {
      if (a.equals(flag)) {
        on = true;
      } else if (a.startsWith(flag + "=")) {
        on = Boolean.parseBoolean(a.substring(flag.length() + 1));
      }
    }
    return on;
  }

  /** The value of {@code flag}, as {@code --flag=value} or {@code --flag value}; the last wins. */
  Optional<String> value(String flag) {
    String value = null;
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (a.startsWith(flag + "=")) {
        value = a.substring(flag.length() + 1);
      } else if (a.equals(flag) && i + 1 < args.size()) {
        value = args.get(++i);
      }
    }
    return Optional.ofNullable(value);
  }
}
