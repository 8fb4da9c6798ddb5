package io.nodemesh.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.nodemesh.cli.traffic.TapLine;
import io.nodemesh.config.MeshConfigJson;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code nodemesh tap}: streams the requests a proxy sees that match a filter, from the proxy's
 * admin endpoint {@code /tap} (docs/observability.md).
 */
@Command(
    name = "tap",
    mixinStandardHelpOptions = true,
    description = {
      "Stream live HTTP requests through one node proxy: method, path, status, latency, caller and"
          + " backend, as they finish.",
      "With --controller URL, asks the controller, which checks that you may create"
          + " taps.nodemesh.io (a SubjectAccessReview on your bearer token: --token-file, or your"
          + " kubeconfig's token over https) and taps every node proxy for you.",
      "Without it, asks one proxy's admin port (--proxy, default "
          + ProxyUrl.DEFAULT
          + ", the local-mode proxy), which answers loopback callers only (kubectl port-forward).",
      "Each proxy passes at most --rate requests per second and counts the rest as dropped;"
          + " the count is shown as it changes and at the end.",
      "Exit code: 0 done, 1 the proxy could not be reached or refused, 2 usage error."
    })
final class TapCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--proxy",
      paramLabel = "URL",
      defaultValue = ProxyUrl.DEFAULT,
      converter = ProxyUrl.class,
      description = "The proxy's admin server. Default: ${DEFAULT-VALUE}.")
  URI proxy;

  @Option(
      names = "--controller",
      paramLabel = "URL",
      description = "Tap every proxy through the controller API (e.g. https://localhost:9900).")
  URI controller;

  @Option(
      names = "--controller-ca",
      paramLabel = "FILE",
      description = "PEM CA that signed the controller's certificate, for an https --controller.")
  Path controllerCa;

  @Option(
      names = "--token-file",
      paramLabel = "FILE",
      description = "With --controller: send this file's bearer token instead of the kubeconfig's.")
  Path tokenFile;

  @Option(
      names = "--kubeconfig",
      paramLabel = "FILE",
      description = "With an https --controller: the kubeconfig whose token is sent.")
  Path kubeconfig;

  @Option(
      names = "--service",
      paramLabel = "[NS/]NAME",
      description = "Only calls to this Service.")
  String service;

  @Option(
      names = "--path",
      paramLabel = "PREFIX",
      description = "Only request targets starting with this (e.g. /api).")
  String path;

  @Option(
      names = "--status",
      paramLabel = "CODE",
      description = "Only this status (503) or class (5xx).")
  String status;

  @Option(
      names = "--source",
      paramLabel = "ID",
      description = "Only this caller: its ServiceAccount (ns/name) or IP.")
  String source;

  @Option(
      names = "--rate",
      paramLabel = "N",
      defaultValue = "100",
      description =
          "Requests per second the proxy passes at most (1..1000). Default: ${DEFAULT-VALUE}.")
  int rate;

  @Option(names = "--max", paramLabel = "N", description = "Stop after N requests.")
  Integer max;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FORMAT",
      defaultValue = "text",
      description =
          "text (one line per request) or json (the proxy's JSON lines). Default:"
              + " ${DEFAULT-VALUE}.")
  String output;

  @Override
  public Integer call() throws InterruptedException {
    if (rate < 1 || rate > 1000) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--rate must be 1..1000");
    }
    if (max != null && max < 1) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--max must be at least 1");
    }
    if (!output.equals("text") && !output.equals("json")) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--output must be text or json");
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    String where = controller != null ? "the controller" : "the proxy";
    URI base = controller != null ? controller : proxy;
    String path = controller != null ? "/api/v1/tap?" : "/tap?";
    URI uri = URI.create(base.toString().replaceAll("/+$", "") + path + query());
    HttpClient.Builder client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
    HttpRequest.Builder request = HttpRequest.newBuilder(uri);
    if (controller != null) {
      TapAccess.secure(spec, controller, controllerCa, tokenFile, kubeconfig, client, request);
    } else if (controllerCa != null || tokenFile != null) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--controller-ca and --token-file go with --controller");
    }
    HttpClient http = client.build();
    HttpResponse<InputStream> r;
    try {
      r = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
    } catch (IOException e) {
      throw new UserError("cannot reach " + where + " at " + base + ": " + e.getMessage(), e);
    }
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
      if (r.statusCode() != 200) {
        String why = TapAccess.reason(java.util.Objects.toString(in.readLine(), ""));
        throw new UserError(
            where
                + " refused the tap ("
                + r.statusCode()
                + "): "
                + why
                + TapAccess.hint(r.statusCode()));
      }
      long dropped = 0;
      long shown = 0;
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        JsonNode n = MeshConfigJson.mapper().readTree(line);
        if ("stats".equals(n.path("type").asText())) {
          long d = n.path("dropped").asLong();
          if (d != dropped) {
            err.println(
                "tap: " + d + " matching requests dropped so far (over --rate " + rate + ")");
            dropped = d;
          }
        } else if ("request".equals(n.path("type").asText())) {
          out.println(output.equals("json") ? line : TapLine.format(n));
          out.flush();
          shown++;
        }
      }
      err.println("tap: " + shown + " requests shown, " + dropped + " dropped");
    } catch (IOException e) {
      throw new UserError("the tap stream from " + base + " broke: " + e.getMessage(), e);
    }
    return 0;
  }

  private String query() {
    Map<String, String> q = new LinkedHashMap<>();
    q.put("service", service);
    q.put("path", path);
    q.put("status", status);
    q.put("source", source);
    q.put("rate", Integer.toString(rate));
    q.put("limit", max == null ? null : Integer.toString(max));
    StringBuilder b = new StringBuilder();
    q.forEach(
        (k, v) -> {
          if (v != null) {
            b.append(b.isEmpty() ? "" : "&")
                .append(k)
                .append('=')
                .append(URLEncoder.encode(v, StandardCharsets.UTF_8));
          }
        });
    return b.toString();
  }
}
