package io.nodemesh.chart;

import static io.nodemesh.chart.Rendered.texts;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8, "proxies and controller run non-root": every container of every workload the chart can
 * render (controller, proxy, DNS server, the prepare/cleanup hook Jobs, whatever is added later)
 * runs as a non-root user with a read-only root file system, no privilege escalation, every
 * capability dropped, the runtime's seccomp profile, and no host namespaces.
 */
class NonRootChartTest {
  private static final Set<String> WORKLOADS =
      Set.of("Deployment", "DaemonSet", "StatefulSet", "Job", "CronJob", "Pod", "ReplicaSet");

  @Test
  void everyContainerOfEveryWorkloadIsLockedDown(@TempDir Path dir) throws IOException {
    // Every optional part on, and the hook Jobs made visible, so that nothing escapes the check.
    Rendered chart = InstallChartTest.renderWithHooks(dir, Map.of(), InstallChartTest.ALL_FEATURES);
    List<String> checked = new ArrayList<>();
    for (JsonNode o : chart.objects()) {
      String kind = o.path("kind").asText();
      if (!WORKLOADS.contains(kind)) {
        continue;
      }
      String name = kind + " " + o.path("metadata").path("name").asText();
      JsonNode pod = podSpec(o);
      assertThat(pod.isObject()).as("%s has a pod spec", name).isTrue();
      assertThat(pod.path("hostNetwork").asBoolean(false)).as("%s hostNetwork", name).isFalse();
      assertThat(pod.path("hostPID").asBoolean(false)).as("%s hostPID", name).isFalse();
      assertThat(pod.path("hostIPC").asBoolean(false)).as("%s hostIPC", name).isFalse();
      assertThat(pod.path("securityContext").path("runAsNonRoot").asBoolean())
          .as("%s pod runAsNonRoot", name)
          .isTrue();
      for (String list : List.of("initContainers", "containers", "ephemeralContainers")) {
        for (JsonNode c : pod.path(list)) {
          String what = name + " " + list + "/" + c.path("name").asText();
          assertLockedDown(what, c.path("securityContext"));
          checked.add(what);
        }
      }
    }
    assertThat(checked)
        .as("containers checked")
        .anyMatch(c -> c.startsWith("Deployment nodemesh-controller containers/"))
        .anyMatch(c -> c.startsWith("DaemonSet nodemesh-proxy containers/"))
        .anyMatch(c -> c.startsWith("Deployment nodemesh-dns containers/"))
        .anyMatch(c -> c.startsWith("Job ") && c.contains("prepare"))
        .anyMatch(c -> c.startsWith("Job ") && c.contains("cleanup"));
  }

  private static void assertLockedDown(String what, JsonNode sc) {
    assertThat(sc.path("runAsNonRoot").asBoolean()).as("%s runAsNonRoot", what).isTrue();
    assertThat(sc.path("runAsUser").asInt(0)).as("%s runAsUser", what).isPositive();
    assertThat(sc.path("runAsGroup").asInt(0)).as("%s runAsGroup", what).isPositive();
    assertThat(sc.path("readOnlyRootFilesystem").asBoolean())
        .as("%s readOnlyRootFilesystem", what)
        .isTrue();
    assertThat(sc.path("allowPrivilegeEscalation").asBoolean(true))
        .as("%s allowPrivilegeEscalation", what)
        .isFalse();
    assertThat(sc.path("privileged").asBoolean(false)).as("%s privileged", what).isFalse();
    assertThat(texts(sc.path("capabilities").path("drop")))
        .as("%s capabilities.drop", what)
        .containsExactly("ALL");
    assertThat(
            sc.path("capabilities").path("add").isMissingNode()
                || sc.path("capabilities").path("add").isEmpty())
        .as("%s capabilities.add", what)
        .isTrue();
    assertThat(sc.path("seccompProfile").path("type").asText())
        .as("%s seccompProfile", what)
        .isEqualTo("RuntimeDefault");
  }

  private static JsonNode podSpec(JsonNode workload) {
    JsonNode spec = workload.path("spec");
    return switch (workload.path("kind").asText()) {
      case "Pod" -> spec;
      case "CronJob" -> spec.path("jobTemplate").path("spec").path("template").path("spec");
      default -> spec.path("template").path("spec");
    };
  }
}
