package io.nodemesh.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.nodemesh.testkit.K8s;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image's runtime, made the way the image makes it ({@code bin/build-runtime}, jlink with
 * docker/modules.txt), runs the controller and the proxy: the proxy gets its configuration from the
 * controller and reports ready. Images cannot be built here; this is the part that can break.
 */
class RuntimeImageIT {
  private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
  private static final Path JAR = ROOT.resolve("cli/target/nodemesh-all.jar");
  private final List<Process> processes = new ArrayList<>();

  @AfterEach
  void stop() throws InterruptedException {
    for (Process p : processes) {
      p.destroy();
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
  }

  @Test
  void controllerAndProxyStartAndServeOnTheJlinkRuntime(@TempDir Path dir) throws Exception {
    assertThat(JAR).as("the shaded jar (package phase)").exists();
    Path runtime = dir.resolve("runtime");
    Process build =
        new ProcessBuilder(
                ROOT.resolve("bin/build-runtime").toString(),
                "--jar",
                JAR.toString(),
                "--output",
                runtime.toString())
            .redirectErrorStream(true)
            .start();
    String buildLog = new String(build.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(build.waitFor(5, TimeUnit.MINUTES)).isTrue();
    assertThat(build.exitValue()).as(buildLog).isZero();

    Path java = runtime.resolve("bin/java");
    String modules =
        new String(
            new ProcessBuilder(java.toString(), "--list-modules")
                .start()
                .getInputStream()
                .readAllBytes(),
            StandardCharsets.UTF_8);
    assertThat(modules)
        .contains("java.base@", "jdk.unsupported@")
        .doesNotContain("jdk.compiler@", "jdk.jshell@");

    Process controller =
        start(
            java,
            "controller",
            "--source",
            ROOT.resolve("examples/demo").toString(),
            "--bind",
            "127.0.0.1",
            "--port",
            "0",
            "--http-ports",
            TestPorts.range(0).toString(),
            "--tcp-ports",
            TestPorts.range(1).toString(),
            "--udp-ports",
            TestPorts.range(2).toString());
    int apiPort = port(controller, Pattern.compile("API on (?:https?://)?127\\.0\\.0\\.1:(\\d+)"));

    Process proxy =
        start(
            java,
            "proxy",
            "--controller=http://127.0.0.1:" + apiPort,
            "--admin-port",
            "0",
            "--bind",
            "127.0.0.1");
    int adminPort = port(proxy, Pattern.compile("admin on port (\\d+)"));

    HttpClient http = HttpClient.newHttpClient();
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              HttpResponse<String> ready =
                  http.send(
                      HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/ready"))
                          .build(),
                      HttpResponse.BodyHandlers.ofString());
              assertThat(ready.statusCode()).isEqualTo(200);
              assertThat(ready.body()).startsWith("ready, config version ");
            });
    HttpResponse<String> config =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/config")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(config.body()).contains("\"service\":\"whoami\"");

    // The Kubernetes client over TLS (the commands that talk to an API server), against the mock.
    KubernetesMockServer api = new KubernetesMockServer(true);
    api.init();
    try {
      Path kubeconfig = dir.resolve("kubeconfig");
      K8s.kubeconfig(kubeconfig, "https://" + api.getHostName() + ":" + api.getPort(), "u", "t");
      Process check = start(java, "check", "--kubeconfig", kubeconfig.toString(), "--as-self");
      String out = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(check.waitFor(2, TimeUnit.MINUTES)).isTrue();
      assertThat(out).contains("PASS  api ").contains("nodemesh check:");
    } finally {
      api.destroy();
    }
  }

  private Process start(Path java, String... args) throws IOException {
    List<String> command =
        new ArrayList<>(
            List.of(java.toString(), "--enable-native-access=ALL-UNNAMED", "-jar", JAR.toString()));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    processes.add(p);
    return p;
  }

  /** Reads the process's output on a thread until {@code pattern} matches a line; its group 1. */
  private static int port(Process p, Pattern pattern) throws InterruptedException {
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                  lines.add(line);
                }
              } catch (IOException e) {
                lines.add("(output closed: " + e + ")");
              }
            });
    reader.setDaemon(true);
    reader.start();
    StringBuilder seen = new StringBuilder();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      String line = lines.poll(1, TimeUnit.SECONDS);
      if (line == null) {
        if (!p.isAlive() && lines.isEmpty()) {
          break;
        }
        continue;
      }
      seen.append(line).append('\n');
      Matcher m = pattern.matcher(line);
      if (m.find()) {
        return Integer.parseInt(m.group(1));
      }
    }
    throw new AssertionError("no line matching " + pattern + " in:\n" + seen);
  }
}
