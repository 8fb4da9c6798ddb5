package io.nodemesh.cli;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.nodemesh.smi.SmiKinds;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code nodemesh crds}: the SMI CRDs this version needs. Helm installs {@code chart/crds/} once
 * and never upgrades or deletes them (Helm docs, "Custom Resource Definitions"), so a chart upgrade
 * that needs a new CRD version goes through {@code nodemesh crds apply}.
 */
@Command(
    name = "crds",
    mixinStandardHelpOptions = true,
    description = "The SMI CustomResourceDefinitions bundled with this version.",
    subcommands = {CrdsCommand.Apply.class})
final class CrdsCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required");
  }

  /**
   * The CRDs this jar carries, read from its {@code /crds/} resources, in {@link SmiKinds} order.
   */
  static List<CustomResourceDefinition> bundled() {
    List<CustomResourceDefinition> crds = new ArrayList<>();
    for (Class<? extends HasMetadata> model : SmiKinds.MODELS) {
      String file = "/crds/" + HasMetadata.getFullResourceName(model) + ".yaml";
      try (InputStream in = CrdsCommand.class.getResourceAsStream(file)) {
        if (in == null) {
          throw new IllegalStateException("the jar has no " + file);
        }
        crds.add(Serialization.unmarshal(in, CustomResourceDefinition.class));
      } catch (IOException e) {
        throw new UncheckedIOException(file, e);
      }
    }
    return List.copyOf(crds);
  }

  /** {@code nodemesh crds apply}: server-side apply of the bundled CRDs. */
  @Command(
      name = "apply",
      mixinStandardHelpOptions = true,
      description = {
        "Create or update the SMI CRDs in the cluster with server-side apply (field manager"
            + " nodemesh). Run it before `helm upgrade` when the release notes say the CRDs"
            + " changed: Helm never upgrades a chart's crds/ directory.",
        "Needs permission to get and patch customresourcedefinitions (cluster-admin)."
      })
  static final class Apply implements Callable<Integer> {
    static final String FIELD_MANAGER = "nodemesh";

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(
        names = "--kubeconfig",
        paramLabel = "FILE",
        description = "Kubeconfig file to use (default: in-cluster, $KUBECONFIG, ~/.kube/config).")
    Path kubeconfig;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      try (KubernetesClient client = ClusterOptions.connect(kubeconfig)) {
        for (CustomResourceDefinition crd : bundled()) {
          String name = crd.getMetadata().getName();
          try {
            // Server-side apply creates a missing CRD and updates an existing one; with force,
            // the fields Helm or kubectl set at install time become ours, so the versions added
            // since are served (Kubernetes docs, "Server-Side Apply", conflicts).
            client.resource(crd).fieldManager(FIELD_MANAGER).forceConflicts().serverSideApply();
          } catch (KubernetesClientException e) {
            throw new UserError(
                "customresourcedefinition " + name + " not applied: " + reason(e), e);
          }
          out.printf(
              "applied customresourcedefinition %s (served %s)%n",
              name,
              crd.getSpec().getVersions().stream()
                  .filter(v -> Boolean.TRUE.equals(v.getServed()))
                  .map(CustomResourceDefinitionVersion::getName)
                  .toList());
        }
      }
      out.flush();
      return 0;
    }

    /** What the API server said, without the client's request dump. */
    private static String reason(KubernetesClientException e) {
      if (e.getStatus() != null && e.getStatus().getMessage() != null) {
        return "HTTP " + e.getCode() + ": " + e.getStatus().getMessage();
      }
      Throwable root = e;
      while (root.getCause() != null) {
        root = root.getCause();
      }
      return root == e ? e.getMessage() : e.getMessage() + " (" + root + ")";
    }
  }
}
