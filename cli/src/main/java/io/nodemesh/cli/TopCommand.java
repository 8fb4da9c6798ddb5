package io.nodemesh.cli;

import io.nodemesh.cli.traffic.TopTable;
import io.nodemesh.config.MeshConfigJson;
import io.nodemesh.controller.traffic.TrafficView;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code nodemesh top}: a table of Services by request rate, success rate and p99 latency, computed
 * from two scrapes of a proxy's {@code /metrics} and refreshed every interval; or, with {@code
 * --controller}, the whole mesh's last minute from the controller's {@code /api/v1/traffic}.
 */
@Command(
    name = "top",
    mixinStandardHelpOptions = true,
    description = {
      "Show the HTTP Services one node proxy serves, busiest first: requests per second, success"
          + " rate (answers other than 5xx) and p99 latency over the last --interval.",
      "Reads the proxy's /metrics (--proxy, default "
          + ProxyUrl.DEFAULT
          + ", the local-mode"
          + " proxy); in a cluster, port-forward a proxy pod's admin port 9901 first.",
      "With --controller URL: the whole mesh, from the controller's last minute of the proxies'"
          + " reports (/api/v1/traffic; in a cluster it needs get traffic.nodemesh.io, sent as the"
          + " token of --token-file).",
      "Refreshes every --interval until interrupted; --once prints one table and exits.",
      "Exit code: 0 done, 1 the proxy could not be reached, 2 usage error."
    })
final class TopCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--proxy",
      paramLabel = "URL",
      defaultValue = ProxyUrl.DEFAULT,
      converter = ProxyUrl.class,
      description = "The proxy's admin server. Default: ${DEFAULT-VALUE}.")
  URI proxy;

  @Option(
      names = "--interval",
      paramLabel = "SECONDS",
      defaultValue = "2",
      description = "Window and refresh period, 1..60 seconds. Default: ${DEFAULT-VALUE}.")
  int interval;

  @Option(
      names = "--controller",
      paramLabel = "URL",
      description =
          "Show the whole mesh from this controller (e.g. http://127.0.0.1:9900 in local mode)"
              + " instead of one proxy.")
  URI controller;

  @Option(
      names = "--token-file",
      paramLabel = "FILE",
      description = "With --controller: send this file's bearer token.")
  java.nio.file.Path tokenFile;

  @Option(names = "--once", description = "Print one table (after one interval) and exit.")
  boolean once;

  @Option(names = "--by-backend", description = "One row per Service and backend (see a split).")
  boolean byBackend;

  @Override
  public Integer call() throws InterruptedException {
    if (interval < 1 || interval > 60) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--interval must be 1..60");
    }
    PrintWriter out = spec.commandLine().getOut();
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    boolean terminal = !once && System.console() != null;
    if (controller != null) {
      return clusterWide(http, out, terminal);
    }
    if (tokenFile != null) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--token-file goes with --controller");
    }
    String before = scrape(http);
    long then = System.nanoTime();
    while (true) {
      Thread.sleep(Duration.ofSeconds(interval));
      String after = scrape(http);
      long now = System.nanoTime();
      if (terminal) {
        // ANSI: cursor home, clear screen (ECMA-48 CUP and ED), so the table refreshes in place.
        out.print("\033[H\033[2J");
      }
      TopTable.print(TopTable.rows(before, after, (now - then) / 1e9, byBackend), byBackend, out);
      if (once) {
        return 0;
      }
      out.println();
      before = after;
      then = now;
    }
  }

  /**
   * The cluster-wide table: the controller already keeps the last minute of every proxy's reports,
   * so one request per refresh is the whole mesh and nothing is computed here.
   */
  private int clusterWide(HttpClient http, PrintWriter out, boolean terminal)
      throws InterruptedException {
    String token = null;
    if (tokenFile != null) {
      try {
        token = java.nio.file.Files.readString(tokenFile).strip();
      } catch (IOException e) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "--token-file: cannot read '" + tokenFile + "': " + e.getMessage());
      }
    }
    URI uri = URI.create(controller.toString().replaceAll("/+$", "") + "/api/v1/traffic");
    while (true) {
      HttpRequest.Builder req = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10));
      if (token != null) {
        req.header("Authorization", "Bearer " + token);
      }
      TrafficView view;
      try {
        HttpResponse<byte[]> r = http.send(req.build(), HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 200) {
          throw new UserError(
              "the controller at "
                  + controller
                  + " answered /api/v1/traffic with "
                  + r.statusCode()
                  + ": "
                  + new String(r.body(), java.nio.charset.StandardCharsets.UTF_8).strip());
        }
        view = MeshConfigJson.mapper().readValue(r.body(), TrafficView.class);
      } catch (IOException e) {
        throw new UserError(
            "cannot reach the controller at " + controller + ": " + e.getMessage(), e);
      }
      if (terminal) {
        out.print("\033[H\033[2J");
      }
      TopTable.print(TopTable.rows(view, byBackend), byBackend, out);
      if (once) {
        return 0;
      }
      out.println();
      Thread.sleep(Duration.ofSeconds(interval));
    }
  }

  private String scrape(HttpClient http) throws InterruptedException {
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(proxy + "/metrics"))
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new UserError("the proxy at " + proxy + " answered /metrics with " + r.statusCode());
      }
      return r.body();
    } catch (IOException e) {
      throw new UserError("cannot reach the proxy at " + proxy + ": " + e.getMessage(), e);
    }
  }
}
