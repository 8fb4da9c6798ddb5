package io.nodemesh.cli;

import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code nodemesh demo}: two demo backends, local mode on {@code examples/demo/}, a measured split,
 * and the curl line to try it by hand.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Start two demo backends (v1 on 127.0.0.1:18101, v2 on 127.0.0.1:18102) and local mode on"
          + " examples/demo/ (a 90/10 TrafficSplit of whoami.demo.mesh), send requests through the"
          + " entry port, print the split observed, then keep running until Ctrl-C.",
      "The first line is the URL of the controller's page (/ui/), where the split is drawn live;"
          + " while the demo runs it keeps sending --rps requests a second so the page stays live."
    })
final class DemoCommand implements Callable<Integer> {
  static final String HOST = "whoami.demo.mesh";
  static final int V1_PORT = 18101;
  static final int V2_PORT = 18102;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--dir",
      paramLabel = "DIR",
      description = "The demo's YAML directory. Default: examples/demo of this checkout.")
  Path dir;

  @Option(
      names = "--requests",
      paramLabel = "N",
      defaultValue = "1000",
      description = "Requests to send for the self-check. Default: ${DEFAULT-VALUE}.")
  int requests;

  @Option(
      names = "--rps",
      paramLabel = "N",
      defaultValue = "10",
      description =
          "Requests a second sent after the self-check while the demo runs, for the page"
              + " (0: none). Default: ${DEFAULT-VALUE}.")
  int rps;

  @Option(
      names = "--exit",
      description = "Exit after the self-check instead of running until Ctrl-C.")
  boolean exitAfterCheck;

  @Mixin LocalPortOptions ports;

  @Mixin MeshOptions mesh;

  @Override
  public Integer call() throws Exception {
    if (rps < 0 || rps > 1000) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--rps must be 0..1000 (got " + rps + ")");
    }
    if (requests < 1) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--requests must be at least 1 (got " + requests + ")");
    }
    PrintWriter out = spec.commandLine().getOut();
    Path demoDir = dir != null ? dir : findDemoDir();
    DemoBackend v1 = DemoBackend.start("v1", LocalMesh.LOOPBACK, V1_PORT);
    DemoBackend v2 = null;
    LocalMesh local = null;
    try {
      v2 = DemoBackend.start("v2", LocalMesh.LOOPBACK, V2_PORT);
      local =
          LocalMesh.start(
              demoDir,
              LocalCommand.localControllerOptions(mesh, ports.apiPort),
              ports.entryPort,
              ports.adminPort);
      if (!local.awaitListeners(1, Duration.ofSeconds(15))) {
        throw new UserError("the proxy did not receive the demo's configuration within 15 s");
      }
      int port = local.proxy().entryPort();
      // Issue 18: the first thing a new user sees is the split drawn live.
      out.printf(
          "nodemesh demo: open http://127.0.0.1:%d/ui/ to watch the 90/10 split live%n",
          local.controller().apiPort());
      out.printf("nodemesh demo: local mode on %s, entry port %d%n", demoDir, port);
      out.printf("sending %d requests to http://%s/ through the entry port ...%n", requests, HOST);
      out.flush();
      Map<String, Integer> seen = measure(port, requests);
      printSplit(out, seen, requests);
      out.println();
      out.println("Try it yourself:");
      out.printf("  curl -H 'Host: %s' http://127.0.0.1:%d/%n", HOST, port);
      out.printf("  http_proxy=http://127.0.0.1:%d curl http://%s/%n", port, HOST);
      out.printf(
          "Edit %s and watch the split move. Proxy admin: http://127.0.0.1:%d/config%n",
          demoDir.resolve("split.yaml"), local.proxy().adminPort());
      out.flush();
      if (exitAfterCheck) {
        Lifecycle.closeAll(local, v2, v1);
        return 0;
      }
      AutoCloseable trickle = trickle(port, rps);
      out.println("Running until Ctrl-C.");
      out.flush();
      Lifecycle.runUntilStopped(trickle, local, v2, v1);
      return 0;
    } catch (RuntimeException | InterruptedException e) {
      Lifecycle.closeAll(local == null ? () -> {} : local, v2 == null ? () -> {} : v2, v1);
      throw e;
    }
  }

  /**
   * Sends {@code n} requests through the entry port used as an HTTP proxy (absolute-form targets)
   * and counts the answers by backend; failures are counted under their status or error.
   */
  static Map<String, Integer> measure(int entryPort, int n) throws InterruptedException {
    HttpClient client = client(entryPort);
    Map<String, Integer> seen = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      seen.merge(once(client), 1, Integer::sum);
    }
    return seen;
  }

  private static HttpClient client(int entryPort) {
    return HttpClient.newBuilder()
        .proxy(ProxySelector.of(new InetSocketAddress(LocalMesh.LOOPBACK, entryPort)))
        .connectTimeout(Duration.ofSeconds(2))
        .version(HttpClient.Version.HTTP_1_1)
        .build();
  }

  /** One request to the demo's Service: the backend that answered, or what went wrong. */
  private static String once(HttpClient client) throws InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://" + HOST + "/"))
            .timeout(Duration.ofSeconds(5))
            .build();
    try {
      HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
      return response.statusCode() == 200
          ? "whoami-" + response.body().strip()
          : "HTTP " + response.statusCode();
    } catch (java.io.IOException e) {
      return "error: " + e.getClass().getSimpleName();
    }
  }

  /** Sends {@code rps} requests a second through the entry port until closed (0: nothing). */
  static AutoCloseable trickle(int entryPort, int rps) {
    if (rps == 0) {
      return () -> {};
    }
    java.util.concurrent.atomic.AtomicBoolean running =
        new java.util.concurrent.atomic.AtomicBoolean(true);
    Thread t =
        Thread.ofVirtual()
            .name("nodemesh-demo-traffic")
            .start(
                () -> {
                  long period = 1_000_000_000L / rps;
                  long next = System.nanoTime();
                  HttpClient client = client(entryPort);
                  while (running.get()) {
                    try {
                      once(client);
                    } catch (InterruptedException e) {
                      return;
                    }
                    next += period;
                    java.util.concurrent.locks.LockSupport.parkNanos(next - System.nanoTime());
                  }
                });
    return () -> {
      running.set(false);
      t.interrupt();
    };
  }

  private static void printSplit(PrintWriter out, Map<String, Integer> seen, int total) {
    out.println("observed split:");
    seen.forEach(
        (backend, count) ->
            out.printf("  %-12s %5d  %5.1f%%%n", backend, count, 100.0 * count / total));
    out.println("  (configured: whoami-v1 90%, whoami-v2 10%)");
  }

  /** {@code examples/demo} of this checkout: from {@code -Dnodemesh.home}, else the working dir. */
  private static Path findDemoDir() {
    String home = System.getProperty("nodemesh.home");
    Path candidate = Path.of(home != null ? home : ".").resolve("examples/demo");
    if (!Files.isDirectory(candidate)) {
      throw new UserError(
          "cannot find the demo's YAML at " + candidate.toAbsolutePath() + "; pass --dir DIR");
    }
    return candidate;
  }
}
