package io.nodemesh.chart;

import static io.nodemesh.chart.Rendered.container;
import static io.nodemesh.chart.Rendered.texts;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The parts of the chart that install Nodemesh into a cluster's DNS, and the optional features. */
class InstallChartTest {
  static final Path ALL_FEATURES = Rendered.chartDir().resolve("ci/all-features-values.yaml");

  /** Stands in for "helm.sh/hook" in a copy of the chart, so that hook objects render. */
  static final String VISIBLE_HOOK = "rendered.test/hook";

  private static Rendered defaults;
  private static Rendered all;

  @BeforeAll
  static void render(@TempDir Path dir) throws IOException {
    defaults = renderWithHooks(dir.resolve("defaults"), Map.of(), null);
    all = renderWithHooks(dir.resolve("all"), Map.of(), ALL_FEATURES);
  }

  /**
   * Renders a copy of the chart in which the {@code helm.sh/hook*} annotation keys are renamed:
   * helm-java's template leaves hook objects out of its output (as Helm's SDK manifest does), and
   * the hook Jobs are what this test is about. Only the key changes; values and all else render as
   * in the real chart, which {@code lint} checks unmodified.
   */
  static Rendered renderWithHooks(Path copy, Map<String, Object> values, Path valuesFile)
      throws IOException {
    copyChart(Rendered.chartDir(), copy);
    try (Stream<Path> files = Files.walk(copy.resolve("templates"))) {
      for (Path t : files.filter(Files::isRegularFile).toList()) {
        Files.writeString(t, Files.readString(t).replace("helm.sh/hook", VISIBLE_HOOK));
      }
    }
    var template =
        new Helm(copy)
            .template()
            .withName(Rendered.RELEASE)
            .withNamespace(Rendered.NAMESPACE)
            .withKubeVersion(Rendered.KUBE_VERSION);
    if (valuesFile != null) {
      template.withValuesFile(valuesFile);
    }
    values.forEach(template::set);
    return Rendered.parse(template.call());
  }

  /** What the DNS patcher may do where the cluster DNS runs, as docs/rbac.md lists it. */
  static final List<String> PATCHER_RULES_ON_CLUSTER_DNS =
      List.of(
          "list apps/deployments",
          "get apps/deployments/coredns,kube-dns",
          "get,update,delete configmaps/coredns,coredns-custom,kube-dns",
          "create configmaps");

  /** "verb,verb resource[/names]" per rule, in order: what docs/rbac.md lists for the Role. */
  static List<String> rules(JsonNode role) {
    List<String> out = new ArrayList<>();
    for (JsonNode rule : role.path("rules")) {
      String group = String.join(",", texts(rule.path("apiGroups")));
      String names =
          rule.has("resourceNames")
              ? "/" + String.join(",", texts(rule.path("resourceNames")))
              : "";
      out.add(
          String.join(",", texts(rule.path("verbs")))
              + " "
              + (group.isEmpty() ? "" : group + "/")
              + String.join(",", texts(rule.path("resources")))
              + names);
    }
    return out;
  }

  static void assertHardened(JsonNode pod, JsonNode c) {
    assertThat(pod.path("securityContext").path("runAsNonRoot").asBoolean()).isTrue();
    JsonNode sc = c.path("securityContext");
    assertThat(sc.path("runAsNonRoot").asBoolean()).isTrue();
    assertThat(sc.path("runAsUser").asInt()).isEqualTo(10001);
    assertThat(sc.path("readOnlyRootFilesystem").asBoolean()).isTrue();
    assertThat(sc.path("allowPrivilegeEscalation").asBoolean()).isFalse();
    assertThat(texts(sc.path("capabilities").path("drop"))).containsExactly("ALL");
    assertThat(sc.path("capabilities").has("add")).isFalse();
    assertThat(c.path("volumeMounts").toString()).contains("\"mountPath\":\"/tmp\"");
  }

  @Test
  void meshDnsServerRunsTwoHardenedReplicasBehindPort53() {
    JsonNode d = defaults.get("Deployment", "nodemesh-dns");
    assertThat(d.path("spec").path("replicas").asInt()).isEqualTo(2);
    JsonNode c = container(d);
    // The command line, word for word.
    assertThat(texts(c.path("args")))
        .isEqualTo(
            List.of(
                "dns --namespace=nodemesh --mesh-domain=mesh --port=5353 --metrics-port=9902"
                    .split(" ")));
    assertThat(c.path("ports").toString())
        .contains("{\"name\":\"dns-udp\",\"containerPort\":5353,\"protocol\":\"UDP\"}")
        .contains("{\"name\":\"dns-tcp\",\"containerPort\":5353,\"protocol\":\"TCP\"}");
    assertThat(c.path("readinessProbe").path("tcpSocket").path("port").asText())
        .isEqualTo("dns-tcp");
    assertThat(c.path("livenessProbe").path("tcpSocket").path("port").asText())
        .isEqualTo("dns-tcp");
    assertThat(c.path("resources").path("limits").path("memory").asText()).isEqualTo("256Mi");
    assertHardened(d.path("spec").path("template").path("spec"), c);
    assertThat(d.path("spec").path("template").path("spec").path("serviceAccountName").asText())
        .isEqualTo("nodemesh-dns");

    JsonNode svc = defaults.get("Service", "nodemesh-dns");
    assertThat(svc.path("spec").path("ports").toString())
        .isEqualTo(
            "[{\"name\":\"dns-udp\",\"port\":53,\"targetPort\":\"dns-udp\",\"protocol\":\"UDP\"},"
                + "{\"name\":\"dns-tcp\",\"port\":53,\"targetPort\":\"dns-tcp\",\"protocol\":\"TCP\"}]");
    assertThat(svc.path("spec").path("selector"))
        .isEqualTo(d.path("spec").path("selector").path("matchLabels"));
    assertThat(defaults.minAvailable("nodemesh-dns")).isEqualTo(1);
  }

  @Test
  void rbacOfTheDnsServerAndPatcherIsExactlyWhatDocsRbacMdLists() {
    assertThat(rules(defaults.get("Role", "nodemesh-dns")))
        .containsExactly("get,list,watch services");

    List<JsonNode> patcherRoles =
        defaults.ofKind("Role").stream()
            .filter(r -> r.path("metadata").path("name").asText().equals("nodemesh-dns-patcher"))
            .toList();
    assertThat(patcherRoles).hasSize(2);
    JsonNode inDns = Rendered.inNamespace(patcherRoles, "kube-system");
    JsonNode inMesh = Rendered.inNamespace(patcherRoles, "nodemesh");
    assertThat(rules(inDns)).containsExactlyElementsOf(PATCHER_RULES_ON_CLUSTER_DNS);
    assertThat(rules(inMesh))
        .containsExactly(
            "get services/nodemesh-dns",
            "get,update,delete configmaps/nodemesh-dns-patch",
            "create configmaps");

    for (String binding : List.of("nodemesh-dns", "nodemesh-dns-patcher")) {
      for (JsonNode b : defaults.ofKind("RoleBinding")) {
        if (b.path("metadata").path("name").asText().equals(binding)) {
          assertThat(b.path("subjects").toString())
              .contains("\"name\":\"" + binding + "\"", "\"namespace\":\"nodemesh\"");
          assertThat(b.path("roleRef").path("name").asText()).isEqualTo(binding);
        }
      }
    }
  }

  @Test
  void hookJobsPrepareAfterInstallAndUpgradeAndCleanUpBeforeDelete() {
    JsonNode prepare = defaults.get("Job", "nodemesh-prepare");
    JsonNode cleanup = defaults.get("Job", "nodemesh-cleanup");
    assertThat(prepare.path("metadata").path("annotations").path(VISIBLE_HOOK).asText())
        .isEqualTo("post-install,post-upgrade");
    assertThat(cleanup.path("metadata").path("annotations").path(VISIBLE_HOOK).asText())
        .isEqualTo("pre-delete");
    for (JsonNode job : List.of(prepare, cleanup)) {
      assertThat(
              job.path("metadata")
                  .path("annotations")
                  .path(VISIBLE_HOOK + "-delete-policy")
                  .asText())
          .isEqualTo("before-hook-creation,hook-succeeded");
      JsonNode pod = job.path("spec").path("template").path("spec");
      assertThat(pod.path("serviceAccountName").asText()).isEqualTo("nodemesh-dns-patcher");
      assertThat(pod.path("restartPolicy").asText()).isEqualTo("Never");
      assertThat(job.path("spec").path("activeDeadlineSeconds").asInt()).isEqualTo(300);
      assertHardened(pod, container(job));
    }
    assertThat(texts(container(prepare).path("args")))
        .containsExactly(
            "prepare", "--namespace=nodemesh", "--dns-namespace=kube-system", "--mesh-domain=mesh");
    assertThat(texts(container(cleanup).path("args")))
        .containsExactly(
            "cleanup", "--namespace=nodemesh", "--dns-namespace=kube-system", "--mesh-domain=mesh");
    // Other objects the hooks need are ordinary release objects, so they exist before and during
    // the hooks; the patcher's own rights are hooks too (ChartSecurityTest).
    for (JsonNode o : defaults.objects()) {
      if (!o.path("kind").asText().equals("Job")
          && !isTestHook(o)
          && !o.path("metadata").path("name").asText().equals("nodemesh-dns-patcher")) {
        assertThat(o.path("metadata").path("annotations").has(VISIBLE_HOOK))
            .as(o.path("metadata").toString())
            .isFalse();
      }
    }
  }

  @Test
  void withoutThePatchThereAreNoJobsAndNoRightsOnTheClusterDns(@TempDir Path dir)
      throws IOException {
    Rendered r = renderWithHooks(dir, Map.of("dns.patch.enabled", false), null);
    assertThat(r.ofKind("Job")).isEmpty();
    assertThat(r.objects())
        .noneMatch(o -> o.path("metadata").path("name").asText().equals("nodemesh-dns-patcher"));
    // Only `helm test` reads the cluster DNS (HelmTestHookChartTest), with objects of its own.
    assertThat(r.objects().stream().filter(o -> !isTestHook(o)))
        .noneMatch(o -> o.path("metadata").path("namespace").asText().equals("kube-system"));
    assertThat(r.get("Deployment", "nodemesh-dns")).isNotNull();
  }

  @Test
  void optionalFeaturesAreOffByDefault() {
    assertThat(defaults.ofKind("ServiceMonitor")).isEmpty();
    assertThat(defaults.ofKind("PodMonitor")).isEmpty();
  }

  @Test
  void everyOptionalFeatureOnRendersWhatItSays() {
    JsonNode np = all.get("NetworkPolicy", "nodemesh-controller");
    assertThat(
            np.path("spec")
                .path("podSelector")
                .path("matchLabels")
                .path("app.kubernetes.io/name")
                .asText())
        .isEqualTo("nodemesh-controller");
    JsonNode ingress = np.path("spec").path("ingress").path(0);
    assertThat(
            ingress
                .path("from")
                .path(0)
                .path("podSelector")
                .path("matchLabels")
                .path("app.kubernetes.io/name")
                .asText())
        .isEqualTo("nodemesh-proxy");
    assertThat(ingress.path("from").toString()).contains("monitoring");
    assertThat(ingress.path("ports").toString())
        .isEqualTo("[{\"port\":9900,\"protocol\":\"TCP\"}]");

    JsonNode sm = all.get("ServiceMonitor", "nodemesh-controller");
    assertThat(sm.path("metadata").path("labels").path("release").asText()).isEqualTo("prometheus");
    assertThat(sm.path("spec").path("endpoints").toString())
        .isEqualTo(
            "[{\"port\":\"api\",\"path\":\"/metrics\",\"interval\":\"15s\",\"scheme\":\"https\","
                + "\"tlsConfig\":{\"serverName\":\"nodemesh-controller.nodemesh.svc\",\"ca\":{\"secret\":"
                + "{\"name\":\"nodemesh-controller-tls\",\"key\":\"ca.crt\"}}}}]");
    JsonNode pm = all.get("PodMonitor", "nodemesh-proxy");
    assertThat(pm.path("spec").path("podMetricsEndpoints").toString())
        .isEqualTo(
            "[{\"port\":\"admin\",\"path\":\"/metrics\",\"interval\":\"15s\","
                + "\"honorLabels\":true}]");
    assertThat(
            pm.path("spec")
                .path("selector")
                .path("matchLabels")
                .path("app.kubernetes.io/name")
                .asText())
        .isEqualTo("nodemesh-proxy");

    // Custom DNS namespace and object names reach the patcher's Role, the domain every command.
    JsonNode inDns = all.inNamespace("Role", "dns-system");
    assertThat(rules(inDns))
        .contains(
            "get apps/deployments/rke2-coredns-rke2-coredns",
            "get,update,delete configmaps/rke2-coredns-rke2-coredns,coredns-custom");
    assertThat(texts(container(all.get("Job", "nodemesh-prepare")).path("args")))
        .contains("--dns-namespace=dns-system", "--mesh-domain=mesh.internal");
    assertThat(texts(container(all.get("Deployment", "nodemesh-dns")).path("args")))
        .contains("--mesh-domain=mesh.internal");
    assertThat(all.get("Deployment", "nodemesh-dns").path("spec").path("replicas").asInt())
        .isEqualTo(3);
    assertThat(texts(container(all.get("Deployment", "nodemesh-controller")).path("args")))
        .contains("--acl", "--watch-namespace=shop", "--identity=test");
    JsonNode proxy = all.get("DaemonSet", "nodemesh-proxy");
    assertThat(proxy.path("spec").path("template").path("spec").path("imagePullSecrets").toString())
        .contains("regcred");
    assertThat(container(proxy).toString())
        .contains("http://otel-collector.observability:4318")
        .contains("k8s.cluster.name=test");
  }

  @Test
  void lintIsCleanWithEveryOptionalFeatureOn(@TempDir Path dir) throws IOException {
    Path chart = dir.resolve("nodemesh");
    copyChart(Rendered.chartDir(), chart);
    // helm-java's lint takes no values file: lint a copy whose values.yaml has the overrides merged
    // in.
    ObjectMapper yaml = new YAMLMapper();
    JsonNode values = yaml.readTree(chart.resolve("values.yaml").toFile());
    merge((ObjectNode) values, yaml.readTree(ALL_FEATURES.toFile()));
    yaml.writeValue(chart.resolve("values.yaml").toFile(), values);
    LintResult result = new Helm(chart).lint().strict().call();
    assertThat(result.isFailed()).as(String.join("\n", result.getMessages())).isFalse();
  }

  private static void merge(ObjectNode base, JsonNode overrides) {
    for (Iterator<Map.Entry<String, JsonNode>> it = overrides.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode current = base.get(e.getKey());
      if (current instanceof ObjectNode o && e.getValue().isObject()) {
        merge(o, e.getValue());
      } else {
        base.set(e.getKey(), e.getValue());
      }
    }
  }

  /** An object that exists only for `helm test`. */
  static boolean isTestHook(JsonNode o) {
    return o.path("metadata").path("annotations").path(VISIBLE_HOOK).asText().equals("test");
  }

  private static void copyChart(Path from, Path to) throws IOException {
    for (String entry :
        List.of(
            "Chart.yaml",
            "values.yaml",
            "values.schema.json",
            ".helmignore",
            "README.md",
            "templates",
            "crds")) {
      Path src = from.resolve(entry);
      if (!Files.exists(src)) {
        continue;
      }
      try (Stream<Path> files = Files.walk(src)) {
        for (Path p : files.toList()) {
          Path target = to.resolve(from.relativize(p).toString());
          if (Files.isDirectory(p)) {
            Files.createDirectories(target);
          } else {
            Files.createDirectories(target.getParent());
            Files.copy(p, target);
          }
        }
      }
    }
  }
}
