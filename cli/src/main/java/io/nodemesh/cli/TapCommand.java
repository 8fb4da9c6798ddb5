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
      "Asks the proxy's admin port (--proxy, default "
          + ProxyUrl.DEFAULT
          + ", the local-mode"
          + " proxy). The proxy answers taps from loopback only: in a cluster, first"
          + " kubectl -n nodemesh port-forward pod/<proxy pod on the node> 9901.",
      "The proxy passes at most --rate requests per second and counts the rest as dropped;"
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
    URI uri = URI.create(proxy + "/tap?" + query());
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    HttpResponse<InputStream> r;
    try {
      r = http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofInputStream());
    } catch (IOException e) {
      throw new UserError("cannot reach the proxy at " + proxy + ": " + e.getMessage(), e);
    }
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
      if (r.statusCode() != 200) {
        String why = java.util.Objects.toString(in.readLine(), "");
        throw new UserError("the proxy refused the tap (" + r.statusCode() + "): " + why);
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
      throw new UserError("the tap stream from " + proxy + " broke: " + e.getMessage(), e);
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
