package io.nodemesh.chart;

import static io.nodemesh.chart.Rendered.container;
import static io.nodemesh.chart.Rendered.texts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ChartTest {
  private static Rendered defaults;

  @BeforeAll
  static void renderDefaults() {
    defaults = Rendered.render(Map.of());
  }

  @Test
  void lintIsCleanInStrictMode() {
    LintResult result = new Helm(Rendered.chartDir()).lint().strict().call();
    assertThat(result.isFailed()).as(String.join("\n", result.getMessages())).isFalse();
  }

  @Test
  void controllerRunsTwoLeaderElectedReplicasWithProbesOnTheApiPort() {
    JsonNode deployment = defaults.get("Deployment", "nodemesh-controller");
    assertThat(deployment.path("metadata").path("namespace").asText()).isEqualTo("nodemesh");
    assertThat(deployment.path("spec").path("replicas").asInt()).isEqualTo(2);
    JsonNode c = container(deployment);
    assertThat(texts(c.path("args")))
        .startsWith("controller")
        .contains(
            "--namespace=nodemesh",
            "--port=9900",
            "--leader-election",
            "--mesh-domain=mesh",
            "--http-ports=5000-9999",
            "--tcp-ports=10000-14999",
            "--udp-ports=15000-19999",
            "--default-traffic-type=auto")
        .doesNotContain("--acl");
    assertProbe(c.path("livenessProbe"), "/healthz", "api");
    assertProbe(c.path("readinessProbe"), "/readyz", "api");
    assertThat(c.path("ports").path(0).path("containerPort").asInt()).isEqualTo(9900);
    assertThat(c.path("resources").path("limits").path("memory").asText()).isEqualTo("512Mi");
    assertThat(env(c, "JDK_JAVA_OPTIONS")).contains("-XX:MaxRAMPercentage=");
    assertThat(c.path("env").toString()).contains("metadata.name");
    assertHardened(c);

    JsonNode service = defaults.get("Service", "nodemesh-controller");
    assertThat(service.path("spec").path("ports").path(0).path("port").asInt()).isEqualTo(9900);
    assertThat(service.path("spec").path("selector"))
        .isEqualTo(deployment.path("spec").path("selector").path("matchLabels"));
    assertThat(defaults.minAvailable("nodemesh-controller")).isEqualTo(1);
  }

  @Test
  void proxyDaemonSetIsSelectedByShadowServicesProbedAndLockedDown() {
    JsonNode ds = defaults.get("DaemonSet", "nodemesh-proxy");
    JsonNode podSpec = ds.path("spec").path("template").path("spec");
    // Shadow Services select proxy pods by this one label; it must not depend on the release name.
    assertThat(
            ds.path("spec")
                .path("template")
                .path("metadata")
                .path("labels")
                .path("app.kubernetes.io/name")
                .asText())
        .isEqualTo("nodemesh-proxy");
    assertThat(podSpec.path("hostNetwork").asBoolean(true)).isFalse();
    assertThat(podSpec.path("automountServiceAccountToken").asBoolean(true)).isFalse();
    assertThat(podSpec.path("tolerations").path(0).path("operator").asText()).isEqualTo("Exists");

    JsonNode c = container(ds);
    assertThat(texts(c.path("args")))
        .containsExactly(
            "proxy",
            "--controller=https://nodemesh-controller.nodemesh.svc:9900",
            "--admin-port=9901",
            "--token-file=/var/run/secrets/nodemesh/token",
            "--drain-delay=10s",
            "--controller-ca=/var/run/secrets/nodemesh-ca/ca.crt",
            // identity.enabled and mtls.mode permissive by default (issue 14)
            "--ca-token-file=/var/run/secrets/nodemesh-ca-token/token",
            "--tunnel-port=15008",
            "--max-connections-per-listener=10000",
            "--max-requests-per-upstream=1000",
            "--max-request-line=4096",
            "--max-header-size=8192",
            "--max-header-count=100",
            "--max-websocket-frame=16777216",
            "--header-read-timeout=10s",
            "--body-read-timeout=30s");
    // The only token in the pod: projected, for the controller's audience, rotated by the kubelet.
    JsonNode projected = null;
    for (JsonNode v : podSpec.path("volumes")) {
      if (v.path("name").asText().equals("proxy-token")) {
        projected = v.path("projected").path("sources").path(0).path("serviceAccountToken");
      }
    }
    assertThat(projected).as("proxy-token volume").isNotNull();
    assertThat(projected.path("audience").asText()).isEqualTo("nodemesh");
    assertThat(projected.path("path").asText()).isEqualTo("token");
    assertThat(c.path("volumeMounts").toString())
        .contains("\"mountPath\":\"/var/run/secrets/nodemesh\"");
    assertProbe(c.path("livenessProbe"), "/ping", "admin");
    assertProbe(c.path("readinessProbe"), "/ready", "admin");
    assertThat(c.path("ports")).hasSize(1);
    assertThat(c.path("env").toString()).contains("NODE_NAME").contains("spec.nodeName");
    assertHardened(c);

    // The image has no sleep binary: Kubernetes' own sleep action (ProxyDrainChartTest).
    assertThat(c.path("lifecycle").path("preStop").path("sleep").path("seconds").asInt())
        .isEqualTo(5);
    assertThat(c.path("lifecycle").path("preStop").has("exec")).isFalse();
    assertThat(podSpec.path("terminationGracePeriodSeconds").asInt()).isEqualTo(30);

    JsonNode rolling = ds.path("spec").path("updateStrategy").path("rollingUpdate");
    assertThat(rolling.path("maxUnavailable").asInt(-1)).isZero();
    assertThat(rolling.path("maxSurge").asText()).isEqualTo("10%");
  }

  @Test
  void rbacIsReadOnlyClusterWideAndWritesServicesOnlyInTheMeshNamespace() {
    List<JsonNode> roles = new ArrayList<>(defaults.ofKind("ClusterRole"));
    roles.addAll(defaults.ofKind("Role"));
    // Controller: five ClusterRoles (read, events, route status, auth, strict), a Role and the CA's
    // Role (identity.enabled by default, IdentityChartTest); mesh DNS: a Role; nodemesh-viewer,
    // bound to nobody (ControllerTlsChartTest). The DNS patcher's Roles are hooks, absent here (see
    // InstallChartTest and ChartSecurityTest for those). nodemesh-tapper, bound to nobody
    // (TapChartTest).
    assertThat(roles).hasSize(10);
    for (JsonNode role : roles) {
      for (JsonNode rule : role.path("rules")) {
        assertThat(texts(rule.path("verbs"))).as(role.toString()).doesNotContain("*");
        assertThat(texts(rule.path("resources"))).as(role.toString()).doesNotContain("*");
        assertThat(texts(rule.path("apiGroups"))).as(role.toString()).doesNotContain("*");
      }
    }

    JsonNode read = defaults.get("ClusterRole", "nodemesh-controller-read");
    for (JsonNode rule : read.path("rules")) {
      assertThat(texts(rule.path("verbs"))).containsExactly("get", "list", "watch");
    }
    assertThat(read.path("rules").toString())
        .contains("\"services\"", "\"pods\"", "\"namespaces\"", "\"endpointslices\"")
        .contains("trafficsplits", "httproutegroups", "tcproutes", "udproutes", "traffictargets")
        .contains("split.smi-spec.io", "specs.smi-spec.io", "access.smi-spec.io")
        .contains("httproutes", "grpcroutes", "gateway.networking.k8s.io");

    JsonNode status = defaults.get("ClusterRole", "nodemesh-controller-route-status");
    assertThat(texts(status.path("rules").path(0).path("resources")))
        .containsExactly("httproutes/status", "grpcroutes/status");
    assertThat(texts(status.path("rules").path(0).path("verbs")))
        .containsExactly("update", "patch");

    JsonNode events = defaults.get("ClusterRole", "nodemesh-controller-events");
    assertThat(events.path("rules")).hasSize(1);
    assertThat(texts(events.path("rules").path(0).path("resources"))).containsExactly("events");
    assertThat(texts(events.path("rules").path(0).path("verbs")))
        .containsExactly("create", "patch");

    JsonNode auth = defaults.get("ClusterRole", "nodemesh-controller-auth");
    assertThat(auth.path("rules")).hasSize(2);
    assertThat(texts(auth.path("rules").path(0).path("apiGroups")))
        .containsExactly("authentication.k8s.io");
    assertThat(texts(auth.path("rules").path(0).path("resources"))).containsExactly("tokenreviews");
    assertThat(texts(auth.path("rules").path(0).path("verbs"))).containsExactly("create");
    assertThat(texts(auth.path("rules").path(1).path("resources")))
        .containsExactly("subjectaccessreviews");
    assertThat(texts(auth.path("rules").path(1).path("verbs"))).containsExactly("create");

    // Writing Services is granted by a namespaced Role only, in the mesh namespace. The one
    // cluster-wide write is strict mode's NetworkPolicies (StrictModeChartTest).
    for (JsonNode role : defaults.ofKind("ClusterRole")) {
      if (role.path("metadata").path("name").asText().equals("nodemesh-controller-strict")) {
        continue;
      }
      assertThat(role.path("rules").toString())
          .as(role.toString())
          .doesNotContain("\"create\",\"update\"");
      for (JsonNode rule : role.path("rules")) {
        if (texts(rule.path("resources")).contains("services")) {
          assertThat(texts(rule.path("verbs"))).containsExactly("get", "list", "watch");
        }
      }
    }
    JsonNode role = defaults.get("Role", "nodemesh-controller");
    assertThat(role.path("metadata").path("namespace").asText()).isEqualTo("nodemesh");
    assertThat(rule(role, "services").path("verbs").toString())
        .isEqualTo("[\"create\",\"update\",\"patch\",\"delete\"]");
    List<JsonNode> leaseRules = rules(role, "leases");
    assertThat(leaseRules).hasSize(2);
    assertThat(texts(leaseRules.get(0).path("verbs"))).containsExactly("create");
    assertThat(texts(leaseRules.get(1).path("verbs"))).containsExactly("get", "update");
    assertThat(texts(leaseRules.get(1).path("resourceNames")))
        .containsExactly("nodemesh-controller");

    List<JsonNode> bindings = new ArrayList<>(defaults.ofKind("ClusterRoleBinding"));
    bindings.addAll(defaults.ofKind("RoleBinding"));
    // The mesh DNS server's and the DNS patcher's bindings are checked in InstallChartTest; the
    // seventh is the CA's (identity.enabled by default).
    bindings.removeIf(b -> b.path("metadata").path("name").asText().startsWith("nodemesh-dns"));
    assertThat(bindings).hasSize(7);
    for (JsonNode binding : bindings) {
      assertThat(binding.path("subjects").path(0).path("name").asText())
          .isEqualTo("nodemesh-controller");
      assertThat(binding.path("subjects").path(0).path("namespace").asText()).isEqualTo("nodemesh");
    }
  }

  /**
   * The proxy runs with the flags bench/ measured (docker/proxy-jvm-options, the source of the RSS
   * figures in docs/benchmarks.md) plus the image's AOT cache; every JVM gets the footprint flags.
   */
  @Test
  void jvmDefaultsAreTheMeasuredFootprintFlags() throws IOException {
    List<String> measured =
        Files.readAllLines(Path.of("").toAbsolutePath().resolveSibling("docker/proxy-jvm-options"))
            .stream()
            .map(String::strip)
            .filter(l -> !l.isEmpty() && !l.startsWith("#"))
            .toList();
    assertThat(measured).contains("-XX:+UseSerialGC", "-XX:+UseCompactObjectHeaders");

    JsonNode proxy = container(defaults.get("DaemonSet", "nodemesh-proxy"));
    List<String> proxyFlags = Arrays.asList(env(proxy, "JDK_JAVA_OPTIONS").split(" "));
    assertThat(proxyFlags)
        .containsSubsequence(measured)
        .contains("-XX:AOTCache=/opt/nodemesh/proxy.aot", "-XX:+ExitOnOutOfMemoryError");
    assertThat(env(proxy, "MALLOC_ARENA_MAX")).isEqualTo("2");

    for (JsonNode c :
        List.of(
            container(defaults.get("Deployment", "nodemesh-controller")),
            container(defaults.get("Deployment", "nodemesh-dns")))) {
      assertThat(env(c, "JDK_JAVA_OPTIONS"))
          .contains("-XX:+UseSerialGC", "-XX:MaxRAMPercentage=70", "-XX:TrimNativeHeapInterval=")
          .contains("-XX:+UseCompactObjectHeaders", "-XX:+ExitOnOutOfMemoryError")
          .doesNotContain("AOTCache");
    }
  }

  @Test
  void proxyEnvironmentCanBeExtended() {
    JsonNode proxy =
        container(
            Rendered.render(Map.of("proxy.env.MALLOC_ARENA_MAX", "1", "proxy.env.TZ", "UTC"))
                .get("DaemonSet", "nodemesh-proxy"));
    assertThat(env(proxy, "MALLOC_ARENA_MAX")).isEqualTo("1");
    assertThat(env(proxy, "TZ")).isEqualTo("UTC");
  }

  @Test
  void overriddenValuesReachTheCommandLines() {
    Rendered r =
        Rendered.render(
            Map.ofEntries(
                Map.entry("portRanges.http", "20000-20999"),
                Map.entry("portRanges.tcp", "21000-21999"),
                Map.entry("portRanges.udp", "22000-22999"),
                Map.entry("meshDomain", "mesh.internal"),
                Map.entry("acl", true),
                Map.entry("defaultTrafficType", "tcp"),
                Map.entry("watchNamespace", "shop"),
                Map.entry("controller.port", 9800),
                Map.entry("proxy.adminPort", 9801),
                Map.entry("image.tag", "9.9.9"),
                Map.entry("logLevel", "debug"),
                Map.entry("metrics.podAnnotations", false),
                Map.entry("proxy.extraArgs[0]", "--threads=2"),
                Map.entry("proxy.preStopSleepSeconds", 0)));
    JsonNode controller = container(r.get("Deployment", "nodemesh-controller"));
    assertThat(texts(controller.path("args")))
        .contains(
            "--http-ports=20000-20999",
            "--tcp-ports=21000-21999",
            "--udp-ports=22000-22999",
            "--mesh-domain=mesh.internal",
            "--acl",
            "--default-traffic-type=tcp",
            "--watch-namespace=shop",
            "--port=9800");
    assertThat(controller.path("image").asText()).isEqualTo("ghcr.io/nodemesh/nodemesh:9.9.9");
    assertThat(
            r.get("Service", "nodemesh-controller")
                .path("spec")
                .path("ports")
                .path(0)
                .path("port")
                .asInt())
        .isEqualTo(9800);

    JsonNode proxy = container(r.get("DaemonSet", "nodemesh-proxy"));
    assertThat(texts(proxy.path("args")))
        .contains(
            "--controller=https://nodemesh-controller.nodemesh.svc:9800", "--admin-port=9801");
    assertThat(proxy.path("ports").path(0).path("containerPort").asInt()).isEqualTo(9801);
    assertThat(texts(proxy.path("args"))).endsWith("--threads=2");
    assertThat(proxy.has("lifecycle")).isFalse();
    assertThat(r.manifest()).doesNotContain("prometheus.io/scrape");
    assertThat(defaults.manifest()).contains("prometheus.io/scrape: \"true\"");

    String logging =
        r.get("ConfigMap", "nodemesh-logging").path("data").path("logging.properties").asText();
    assertThat(logging).contains("io.nodemesh.level = FINE").contains(".level = INFO");
  }

  @Test
  void proxyLimitsReachTheProxyCommandLine() {
    assertThat(texts(container(defaults.get("DaemonSet", "nodemesh-proxy")).path("args")))
        .contains(
            "--max-connections-per-listener=10000",
            "--max-requests-per-upstream=1000",
            "--max-request-line=4096",
            "--max-header-size=8192",
            "--max-header-count=100",
            "--header-read-timeout=10s",
            "--body-read-timeout=30s",
            "--max-websocket-frame=16777216");
    Rendered r =
        Rendered.render(
            Map.ofEntries(
                Map.entry("proxy.limits.maxConnectionsPerListener", 50000),
                Map.entry("proxy.limits.maxRequestsPerUpstream", 200),
                Map.entry("proxy.limits.maxRequestLine", 8192),
                Map.entry("proxy.limits.maxHeaderSize", 16384),
                Map.entry("proxy.limits.maxHeaderCount", 64),
                Map.entry("proxy.limits.headerReadTimeout", "500ms"),
                Map.entry("proxy.limits.bodyReadTimeout", "1m30s"),
                Map.entry("proxy.limits.maxWebSocketFrame", 1073741824)));
    List<String> args = texts(container(r.get("DaemonSet", "nodemesh-proxy")).path("args"));
    assertThat(args)
        .contains(
            "--max-connections-per-listener=50000",
            "--max-requests-per-upstream=200",
            "--max-request-line=8192",
            "--max-header-size=16384",
            "--max-header-count=64",
            "--header-read-timeout=500ms",
            "--body-read-timeout=1m30s",
            "--max-websocket-frame=1073741824");
    // A null value leaves its flag out, so the proxy's own default applies.
    assertThat(
            texts(
                container(
                        Rendered.render(Map.of("proxy.limits.maxHeaderCount", "null"))
                            .get("DaemonSet", "nodemesh-proxy"))
                    .path("args")))
        .noneMatch(a -> a.startsWith("--max-header-count"))
        .contains("--max-header-size=8192");
  }

  @Test
  void invalidProxyLimitsAreRefusedWithAMessageNamingTheValue() {
    assertThatThrownBy(() -> Rendered.render(Map.of("proxy.limits.maxHeaderCount", 0)))
        .hasMessageContaining("proxy.limits.maxHeaderCount must be a positive whole number");
    assertThatThrownBy(() -> Rendered.render(Map.of("proxy.limits.maxHeaderSize", "8k")))
        .hasMessageContaining("proxy.limits.maxHeaderSize must be a positive whole number")
        .hasMessageContaining("8k");
    assertThatThrownBy(() -> Rendered.render(Map.of("proxy.limits.maxRequestLine", 1.5)))
        .hasMessageContaining("proxy.limits.maxRequestLine");
    assertThatThrownBy(() -> Rendered.render(Map.of("proxy.limits.headerReadTimeout", "10")))
        .hasMessageContaining("proxy.limits.headerReadTimeout must be a positive duration");
    assertThatThrownBy(() -> Rendered.render(Map.of("proxy.limits.bodyReadTimeout", "0s")))
        .hasMessageContaining("proxy.limits.bodyReadTimeout must be a positive duration");
  }

  @Test
  void defaultImageTagIsTheChartAppVersionAndLoggingIsInfo() {
    assertThat(container(defaults.get("DaemonSet", "nodemesh-proxy")).path("image").asText())
        .isEqualTo("ghcr.io/nodemesh/nodemesh:0.1.0");
    String logging =
        defaults
            .get("ConfigMap", "nodemesh-logging")
            .path("data")
            .path("logging.properties")
            .asText();
    assertThat(logging).contains("io.nodemesh.level = INFO");
    assertThat(
            env(container(defaults.get("Deployment", "nodemesh-controller")), "JDK_JAVA_OPTIONS"))
        .endsWith("-Djava.util.logging.config.file=/etc/nodemesh/logging.properties");
  }

  @Test
  void singleReplicaWithoutLeaderElectionHasNoDisruptionBudget() {
    Rendered r =
        Rendered.render(Map.of("controller.replicas", 1, "controller.leaderElection", false));
    assertThat(texts(container(r.get("Deployment", "nodemesh-controller")).path("args")))
        .contains("--no-leader-election")
        .doesNotContain("--leader-election");
    assertThat(r.ofKind("PodDisruptionBudget"))
        .extracting(o -> o.path("metadata").path("name").asText())
        .doesNotContain("nodemesh-controller");
  }

  @Test
  void invalidValuesAreRefusedWithAMessageNamingTheValue() {
    assertThatThrownBy(() -> Rendered.render(Map.of("portRanges.tcp", "10000")))
        .hasMessageContaining("portRanges.tcp must look like FIRST-LAST");
    assertThatThrownBy(() -> Rendered.render(Map.of("portRanges.udp", "20000-19999")))
        .hasMessageContaining("portRanges.udp");
    assertThatThrownBy(() -> Rendered.render(Map.of("logLevel", "verbose")))
        .hasMessageContaining("logLevel must be one of");
    assertThatThrownBy(() -> Rendered.render(Map.of("controller.leaderElection", false)))
        .hasMessageContaining("controller.leaderElection=false needs controller.replicas=1");
  }

  @Test
  void everyObjectCarriesTheChartLabelsAndTheMeshNamespace() {
    assertThat(defaults.objects()).isNotEmpty();
    for (JsonNode o : defaults.objects()) {
      if (o.path("kind").asText().equals("CustomResourceDefinition")) {
        continue;
      }
      JsonNode meta = o.path("metadata");
      assertThat(meta.path("labels").path("app.kubernetes.io/part-of").asText())
          .as(o.toString())
          .isEqualTo("nodemesh");
      boolean clusterScoped = o.path("kind").asText().startsWith("Cluster");
      // The DNS patcher's rights on the cluster DNS are granted where that DNS runs.
      boolean inDnsNamespace =
          meta.path("name").asText().equals("nodemesh-dns-patcher")
              && meta.path("namespace").asText().equals("kube-system");
      assertThat(meta.path("namespace").asText(""))
          .as(o.path("kind").asText() + " " + meta.path("name").asText())
          .isEqualTo(clusterScoped ? "" : inDnsNamespace ? "kube-system" : "nodemesh");
    }
  }

  private static JsonNode rule(JsonNode role, String resource) {
    List<JsonNode> rules = rules(role, resource);
    assertThat(rules).as("rules for " + resource + " in " + role).hasSize(1);
    return rules.getFirst();
  }

  private static List<JsonNode> rules(JsonNode role, String resource) {
    List<JsonNode> rules = new ArrayList<>();
    for (JsonNode rule : role.path("rules")) {
      if (texts(rule.path("resources")).contains(resource)) {
        rules.add(rule);
      }
    }
    return rules;
  }

  private static String env(JsonNode container, String name) {
    for (JsonNode e : container.path("env")) {
      if (name.equals(e.path("name").asText())) {
        return e.path("value").asText();
      }
    }
    throw new AssertionError("no env " + name + " in " + container);
  }

  private static void assertProbe(JsonNode probe, String path, String port) {
    assertThat(probe.path("httpGet").path("path").asText()).isEqualTo(path);
    assertThat(probe.path("httpGet").path("port").asText()).isEqualTo(port);
  }

  private static void assertHardened(JsonNode container) {
    JsonNode sc = container.path("securityContext");
    assertThat(sc.path("runAsNonRoot").asBoolean()).isTrue();
    assertThat(sc.path("readOnlyRootFilesystem").asBoolean()).isTrue();
    assertThat(sc.path("allowPrivilegeEscalation").asBoolean(true)).isFalse();
    assertThat(texts(sc.path("capabilities").path("drop"))).containsExactly("ALL");
    assertThat(container.path("volumeMounts").toString()).contains("/tmp");
  }
}
