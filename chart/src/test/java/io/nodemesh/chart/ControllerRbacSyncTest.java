package io.nodemesh.chart;

import static io.nodemesh.chart.Rendered.container;
import static io.nodemesh.chart.Rendered.texts;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The rights the chart gives the controller's ServiceAccount are exactly the ones {@code nodemesh
 * check} asks for (cli's controller-permissions.txt), for the flags the chart's controller
 * Deployment runs with: a right added to one and not the other fails here, instead of {@code check}
 * passing on a cluster where the controller is missing it. Read independently of the cli's reader.
 */
class ControllerRbacSyncTest {
  static final String SA = "nodemesh-controller";
  static final Pattern PLACEHOLDER = Pattern.compile("\\{(--[a-z-]+)=([^}]*)}");

  @ParameterizedTest
  @MethodSource("installs")
  void chartGrantsExactlyWhatCheckAsksFor(Map<String, Object> values) throws IOException {
    Path file = Path.of(System.getProperty("nodemesh.permissions.file"));
    Rendered r = Rendered.render(values);
    // The chart writes every flag as --flag or --flag=value.
    Map<String, String> flags = new HashMap<>();
    for (String a : texts(container(r.get("Deployment", SA)).path("args"))) {
      String[] kv = a.split("=", 2);
      flags.put(kv[0], kv.length > 1 ? kv[1] : "true");
    }
    assertThat(expand(Files.readAllLines(file), flags)).isEqualTo(granted(r));
  }

  static List<Map<String, Object>> installs() {
    return List.of(
        Map.of(),
        Map.of("identity.enabled", "false", "mtls.mode", "off"),
        Map.of("identity.ca.secretName", "our-root"));
  }

  /**
   * "verb group/resource scope[/name]" for every line of the permissions file that a controller
   * with these flags needs ({@code if:--FLAG} lines only with that flag), a name {@code
   * {--FLAG=DEFAULT}} replaced by the flag's value.
   */
  static Set<String> expand(List<String> lines, Map<String, String> flags) {
    Set<String> out = new TreeSet<>();
    for (String line : lines) {
      List<String> f = new ArrayList<>(List.of(line.strip().split("\\s+")));
      if (f.get(0).startsWith("if:") && !flags.containsKey(f.remove(0).substring("if:".length()))) {
        continue;
      }
      if (f.size() < 4 || f.get(0).startsWith("#")) {
        continue;
      }
      String group = f.get(1).equals("core") ? "" : f.get(1);
      List<String> names =
          f.size() > 4
              ? List.of(
                  PLACEHOLDER
                      .matcher(f.get(4))
                      .replaceAll(m -> flags.getOrDefault(m.group(1), m.group(2)))
                      .split(","))
              : List.of("");
      for (String verb : f.get(0).split(",")) {
        for (String resource : f.get(2).split(",")) {
          for (String name : names) {
            out.add(key(verb, group, resource, f.get(3), name));
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
