package io.nodemesh.cli.check;

import static io.nodemesh.cli.check.CheckText.list;
import static io.nodemesh.cli.check.CheckText.oneLine;

import io.fabric8.kubernetes.api.model.authorization.v1.ResourceAttributes;
import io.fabric8.kubernetes.api.model.authorization.v1.ResourceAttributesBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Predicate;

/**
 * The controller's ServiceAccount may do everything in {@value #PERMISSIONS} (a mirror of
 * chart/templates/rbac.yaml and identity.yaml) that the flags it runs with need ({@link
 * ControllerFlags}: e.g. its CA Secret only with {@code --ca}): asked by impersonating it, else by
 * a SubjectAccessReview about it, or for the user's own rights when no impersonation is wanted.
 */
final class RbacCheck implements Check {
  static final String PERMISSIONS = "controller-permissions.txt";

  /** The prefix of a line that counts only when the controller runs with a flag. */
  private static final String IF = "if:";

  /** A permission the controller needs; namespace null means cluster-wide. */
  record Permission(String verb, String group, String resource, String namespace, String name) {
    @Override
    public String toString() {
      String r = (group.isEmpty() ? "" : group + "/") + resource + (name == null ? "" : "/" + name);
      return verb + " " + r + (namespace == null ? "" : " in " + namespace);
    }
  }

  @Override
  public String name() {
    return "rbac";
  }

  @Override
  public CheckItem run(CheckContext c) {
    KubernetesClient client = c.client();
    ClusterCheck.Settings settings = c.settings();
    KubernetesClient reviewer = c.asController().apply(client);
    String controller =
        "ServiceAccount " + settings.meshNamespace() + "/" + settings.controllerName();
    try {
      ControllerFlags flags = ControllerFlags.of(c);
      List<Permission> needed = controllerPermissions(settings.meshNamespace(), flags);
      if (reviewer == client) {
        return rbac(needed, flags, "you", p -> allowed(reviewer, p));
      }
      try {
        return rbac(needed, flags, controller, p -> allowed(reviewer, p));
      } catch (KubernetesClientException e) {
        if (e.getCode() != 403) {
          throw e;
        }
        // No impersonation (the helm test's ServiceAccount has none): ask about the controller's
        // ServiceAccount instead, which needs only create on subjectaccessreviews.
        try {
          return rbac(needed, flags, controller, p -> controllerAllowed(client, settings, p));
        } catch (KubernetesClientException e2) {
          if (e2.getCode() != 403) {
            throw e2;
          }
          return CheckItem.warn(
              "rbac",
              "cannot impersonate the controller's ServiceAccount ("
                  + oneLine(e)
                  + ") nor create a SubjectAccessReview about it; run check as a cluster admin");
        }
      }
    } finally {
      if (reviewer != client) {
        reviewer.close();
      }
    }
  }

  /**
   * The permissions in {@value #PERMISSIONS} that a controller run with {@code flags} needs, with
   * "mesh" scope placed in the mesh namespace. A line that starts with {@code if:--FLAG} counts
   * only when the controller runs with that flag; a name {@code {--FLAG=DEFAULT}} is that flag's
   * value, or DEFAULT (the controller's own default) when it is not given. The file is the one
   * list; this method knows no resource by name.
   */
  static List<Permission> controllerPermissions(String meshNamespace, ControllerFlags flags) {
    List<Permission> out = new ArrayList<>();
    try (InputStream in = RbacCheck.class.getResourceAsStream(PERMISSIONS)) {
      if (in == null) {
        throw new IllegalStateException(PERMISSIONS + " is missing from the jar");
      }
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        List<String> f = new ArrayList<>(List.of(line.strip().split("\\s+")));
        if (!f.isEmpty() && f.get(0).startsWith(IF)) {
          if (!flags.on(f.remove(0).substring(IF.length()))) {
            continue;
          }
        }
        if (f.size() < 4 || f.get(0).startsWith("#")) {
          continue;
        }
        String group = f.get(1).equals("core") ? "" : f.get(1);
        String namespace = f.get(3).equals("mesh") ? meshNamespace : null;
        List<String> names =
            f.size() > 4
                ? List.of(f.get(4).split(",")).stream().map(n -> name(n, flags)).toList()
                : Collections.singletonList(null);
        for (String verb : f.get(0).split(",")) {
          for (String resource : f.get(2).split(",")) {
            for (String name : names) {
              out.add(new Permission(verb, group, resource, namespace, name));
            }
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  /** A resource name, or {@code {--flag=default}}: the flag's value, else the default. */
  private static String name(String field, ControllerFlags flags) {
    if (!field.startsWith("{") || !field.endsWith("}")) {
      return field;
    }
    String[] flagAndDefault = field.substring(1, field.length() - 1).split("=", 2);
    if (flagAndDefault.length != 2) {
      throw new IllegalStateException(PERMISSIONS + ": " + field + " needs {--flag=default}");
    }
    return flags.value(flagAndDefault[0]).orElse(flagAndDefault[1]);
  }

  private static CheckItem rbac(
      List<Permission> needed, ControllerFlags flags, String who, Predicate<Permission> allowed) {
    List<String> denied = new ArrayList<>();
    for (Permission p : needed) {
      if (!allowed.test(p)) {
        denied.add(p.toString());
      }
    }
    if (!denied.isEmpty()) {
      return CheckItem.fail(
          "rbac",
          "%s cannot %s; reinstall the chart's RBAC (docs/rbac.md)".formatted(who, list(denied)));
    }
    return CheckItem.pass(
        "rbac",
        "%s can do all %d things the controller needs (%s)"
            .formatted(who, needed.size(), flags.source()));
  }

  private static ResourceAttributes attributes(Permission p) {
    return new ResourceAttributesBuilder()
        .withVerb(p.verb())
        .withGroup(p.group())
        .withResource(p.resource())
        .withNamespace(p.namespace())
        .withName(p.name())
        .build();
  }

  /** A SelfSubjectAccessReview: may the reviewer's own user (maybe impersonated) do {@code p}? */
  private static boolean allowed(KubernetesClient reviewer, Permission p) {
    SelfSubjectAccessReview answer =
        reviewer
            .authorization()
            .v1()
            .selfSubjectAccessReview()
            .create(
                new SelfSubjectAccessReviewBuilder()
                    .withNewSpec()
                    .withResourceAttributes(attributes(p))
                    .endSpec()
                    .build());
    return answer.getStatus() != null && Boolean.TRUE.equals(answer.getStatus().getAllowed());
  }

  /**
   * A SubjectAccessReview about the controller's ServiceAccount, with the groups the API server
   * gives every ServiceAccount token (Kubernetes docs, "Service account permissions").
   */
  private static boolean controllerAllowed(
      KubernetesClient client, ClusterCheck.Settings settings, Permission p) {
    String ns = settings.meshNamespace();
    SubjectAccessReview answer =
        client
            .authorization()
            .v1()
            .subjectAccessReview()
            .create(
                new SubjectAccessReviewBuilder()
                    .withNewSpec()
                    .withUser(
                        "system:serviceaccount:%s:%s".formatted(ns, settings.controllerName()))
                    .withGroups(
                        "system:serviceaccounts",
                        "system:serviceaccounts:" + ns,
                        "system:authenticated")
                    .withResourceAttributes(attributes(p))
                    .endSpec()
                    .build());
    return answer.getStatus() != null && Boolean.TRUE.equals(answer.getStatus().getAllowed());
  }
}
