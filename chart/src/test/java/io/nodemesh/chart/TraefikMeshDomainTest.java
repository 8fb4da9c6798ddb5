package io.nodemesh.chart;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/migrate-from-traefik-mesh.md: {@code meshDomain: traefik.mesh} keeps Traefik Mesh's names.
 * Every component that knows the domain (controller, mesh DNS server, the prepare and cleanup hook
 * Jobs) must be told the same one, or names resolve to nothing.
 */
class TraefikMeshDomainTest {
  @Test
  void traefikMeshDomainReachesEveryComponentThatNamesTheZone(@TempDir Path dir)
      throws IOException {
    // With the hook Jobs, which plain `helm template` through helm-java leaves out.
    Rendered r = InstallChartTest.renderWithHooks(dir, Map.of("meshDomain", "traefik.mesh"), null);
    List<String> domains = new ArrayList<>();
    List<String> holders = new ArrayList<>();
    for (JsonNode o : r.objects()) {
      JsonNode spec = o.path("spec").path("template").path("spec");
      for (JsonNode c : spec.path("containers")) {
        for (String arg : Rendered.texts(c.path("args"))) {
          if (arg.startsWith("--mesh-domain")) {
            domains.add(arg);
            holders.add(o.path("kind").asText() + "/" + o.path("metadata").path("name").asText());
          }
        }
      }
    }
    assertThat(holders)
        .contains(
            "Deployment/nodemesh-controller",
            "Deployment/nodemesh-dns",
            "Job/nodemesh-prepare",
            "Job/nodemesh-cleanup");
    assertThat(domains).allMatch("--mesh-domain=traefik.mesh"::equals);
  }
}
