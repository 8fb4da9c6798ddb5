package io.nodemesh.chart;

import static io.nodemesh.chart.Rendered.texts;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The rights the chart gives the controller's ServiceAccount are exactly the ones {@code nodemesh
 * check} asks for (cli's controller-permissions.txt): a right added to one and not the other fails
 * here, instead of {@code check} passing on a cluster where the controller is missing it.
 */
class ControllerRbacSyncTest {
  static final String SA = "nodemesh-controller";

  @Test
  void chartGrantsExactlyWhatCheckAsksFor() throws IOException {
    Path file = Path.of(System.getProperty("nodemesh.permissions.file"));
    assertThat(expand(Files.readAllLines(file))).isEqualTo(granted(Rendered.render(Map.of())));
  }

  /** "verb group/resource scope[/name]" for every line of the permissions file. */
  static Set<String> expand(List<String> lines) {
    Set<String> out = new TreeSet<>();
    for (String line : lines) {
      String[] f = line.strip().split("\\s+");
      if (f.length < 4 || f[0].startsWith("#")) {
        continue;
      }
      String group = f[1].equals("core") ? "" : f[1];
      List<String> names = f.length > 4 ? List.of(f[4].split(",")) : List.of("");
      for (String verb : f[0].split(",")) {
        for (String resource : f[2].split(",")) {
          for (String name : names) {
            out.add(key(verb, group, resource, f[3], name));
          }
        }
      }
    }
    return out;
  }

  /**
   * The same keys for every rule of every (Cluster)Role bound to the controller's ServiceAccount.
   */
  static Set<String> granted(Rendered r) {
    Set<String> out = new TreeSet<>();
    for (String kind : List.of("ClusterRoleBinding", "RoleBinding")) {
      for (JsonNode binding : r.ofKind(kind)) {
        boolean forController = false;
        for (JsonNode subject : binding.path("subjects")) {
          forController |= subject.path("name").asText().equals(SA);
        }
        if (!forController) {
          continue;
        }
        String roleKind = binding.path("roleRef").path("kind").asText();
        JsonNode role = r.get(roleKind, binding.path("roleRef").path("name").asText());
        String scope = roleKind.equals("ClusterRole") ? "cluster" : "mesh";
        for (JsonNode rule : role.path("rules")) {
          List<String> names =
              rule.has("resourceNames") ? texts(rule.path("resourceNames")) : List.of("");
          for (String group : texts(rule.path("apiGroups"))) {
            for (String resource : texts(rule.path("resources"))) {
              for (String verb : texts(rule.path("verbs"))) {
                for (String name : names) {
                  out.add(key(verb, group, resource, scope, name));
                }
              }
            }
          }
        }
      }
    }
    return out;
  }

  static String key(String verb, String group, String resource, String scope, String name) {
    return verb + " " + group + "/" + resource + " " + scope + (name.isEmpty() ? "" : "/" + name);
  }
}
