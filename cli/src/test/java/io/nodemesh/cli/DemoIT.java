package io.nodemesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code bin/nodemesh demo} as a user runs it: a real process, the printed split checked against
 * 90/10, and the printed curl line run as printed.
 */
class DemoIT {
  private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
  private static final Pattern SPLIT_LINE =
      Pattern.compile("^\\s+(whoami-v[12])\\s+(\\d+)\\s+.*%$");

  @Test
  void demoPrintsA90To10SplitAndACurlLineThatWorks() throws Exception {
    Path script = ROOT.resolve("bin/nodemesh");
    assertThat(script).isExecutable();
    ProcessBuilder pb =
        new ProcessBuilder(
                script.toString(),
                "demo",
                "--requests",
                "600",
                "--entry-port",
                "0",
                "--admin-port",
                "0",
                "--api-port",
                "0")
            .directory(ROOT.toFile())
            .redirectErrorStream(true);
    Process demo = pb.start();
    List<String> output = new ArrayList<>();
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(demo.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        output.add(line);
        if (line.startsWith("Running until Ctrl-C")) {
          break;
        }
      }
      assertThat(output).as(String.join("\n", output)).anyMatch(l -> l.startsWith("Running until"));
      // Issue 18: the page's URL comes before anything else the demo prints, and serves the page.
      String page =
          output.stream()
              .filter(l -> l.startsWith("nodemesh demo: "))
              .findFirst()
              .orElseThrow()
              .replaceAll(".*(http://\\S+/ui/).*", "$1");
      assertThat(page).startsWith("http://127.0.0.1:");
      assertThat(
              java.net.http.HttpClient.newHttpClient()
                  .send(
                      java.net.http.HttpRequest.newBuilder(java.net.URI.create(page)).build(),
                      java.net.http.HttpResponse.BodyHandlers.ofString())
                  .body())
          .contains("<title>Nodemesh</title>");
      int v1 = count(output, "whoami-v1");
      int v2 = count(output, "whoami-v2");
      assertThat(v1 + v2).isEqualTo(600);
      assertThat(100.0 * v1 / 600).isBetween(87.0, 93.0);

      String curl =
          output.stream()
              .map(String::strip)
              .filter(l -> l.startsWith("curl -H 'Host: whoami.demo.mesh'"))
              .findFirst()
              .orElseThrow();
      if (Files.isExecutable(Path.of("/usr/bin/curl"))) {
        Process p = new ProcessBuilder("bash", "-c", curl + " --silent --max-time 5").start();
        String answer = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(answer.strip()).isIn("v1", "v2");
      }
    } finally {
      demo.destroy();
      assertThat(demo.waitFor(20, TimeUnit.SECONDS)).as("demo stops on SIGTERM").isTrue();
    }
  }

  private static int count(List<String> output, String backend) {
    for (String line : output) {
      Matcher m = SPLIT_LINE.matcher(line);
      if (m.matches() && m.group(1).equals(backend)) {
        return Integer.parseInt(m.group(2));
      }
    }
    return 0;
  }
}
