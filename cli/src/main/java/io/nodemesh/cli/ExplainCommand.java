package io.nodemesh.cli;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.nodemesh.cli.check.ControllerAccess;
import io.nodemesh.config.MeshConfigJson;
import io.nodemesh.config.wire.ConfigWire;
import io.nodemesh.controller.access.Explanation;
import io.nodemesh.proxy.config.ControllerTrust;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code nodemesh explain}: asks the controller what the mesh would do with one request (the access
 * decision and the route), from the config it serves to the proxies.
 */
@Command(
    name = "explain",
    mixinStandardHelpOptions = true,
    description = {
      "Explain what the mesh does with one request: allowed or denied (and by which"
          + " TrafficTarget and match), and where it is routed (split, backends, endpoints).",
      "Asks the controller: --controller URL (local mode: http://127.0.0.1:9900, the default), or"
          + " --via-api-server to reach the in-cluster controller through the Kubernetes API"
          + " server's service proxy with your kubeconfig.",
      "In a cluster the controller answers only users granted get on explanations.nodemesh.io"
          + " (ClusterRole nodemesh-viewer): explain sends your kubeconfig's bearer token with"
          + " --via-api-server or to an https --controller, or the token of --token-file.",
      "Exit code: 0 allowed, 3 denied, 1 the controller could not answer, 2 usage error."
    })
final class ExplainCommand implements Callable<Integer> {
  static final int DENIED = 3;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--from",
      required = true,
      paramLabel = "NS/POD",
      description = "The calling pod (namespace/name), or a source IP.")
  String from;

  @Option(
      names = "--to",
      required = true,
      paramLabel = "NAME.NS.mesh[:PORT]",
      description = "The service called, as clients call it.")
  String to;

  @Option(
      names = "--method",
      paramLabel = "M",
      defaultValue = "GET",
      description = "Default: ${DEFAULT-VALUE}.")
  String method;

  @Option(
      names = "--path",
      paramLabel = "P",
      defaultValue = "/",
      description = "Default: ${DEFAULT-VALUE}.")
  String path;

  @Option(
      names = "--header",
      paramLabel = "K=V",
      description = "A request header; repeat for several.")
  List<String> headers = new ArrayList<>();

  @Option(
      names = "--controller",
      paramLabel = "URL",
      defaultValue = "http://127.0.0.1:9900",
      description = "The controller API. Default: ${DEFAULT-VALUE}.")
  URI controller;

  @Option(
      names = "--via-api-server",
      description =
          "Reach the controller Service through the Kubernetes API server (kubeconfig as kubectl"
              + " finds it, or --kubeconfig).")
  boolean viaApiServer;

  @Option(
      names = "--kubeconfig",
      paramLabel = "FILE",
      description = "Kubeconfig for --via-api-server and for the token sent (default: as kubectl).")
  Path kubeconfig;

  @Option(
      names = "--namespace",
      paramLabel = "NS",
      defaultValue = "nodemesh",
      description = "The controller's namespace, with --via-api-server. Default: ${DEFAULT-VALUE}.")
  String namespace;

  @Option(
      names = "--controller-ca",
      paramLabel = "FILE",
      description = "PEM CA that signed the controller's certificate, for an https --controller.")
  Path controllerCa;

  @Option(
      names = "--token-file",
      paramLabel = "FILE",
      description = "Send this file's token instead of the kubeconfig's.")
  Path tokenFile;

  @Option(
      names = "--controller-http",
      description =
          "With --via-api-server: the controller serves plain HTTP (chart controller.tls.enabled"
              + "=false). Default: https.")
  boolean controllerHttp;

  @Option(names = "--json", description = "Print the controller's JSON answer as it is.")
  boolean json;

  @Override
  public Integer call() {
    for (String h : headers) {
      if (h.indexOf('=') <= 0) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "--header '" + h + "' is not NAME=VALUE");
      }
    }
    String query = query();
    Answer answer = viaApiServer ? viaApiServer(query) : direct(query);
    PrintWriter out = spec.commandLine().getOut();
    if (answer.status() == 401) {
      throw new UserError(
          error(answer)
              + " (the controller needs your bearer token: use --via-api-server or an https"
              + " --controller with a token kubeconfig, or --token-file FILE)");
    }
    if (answer.status() == 403) {
      throw new UserError(
          error(answer) + " (ask an administrator to bind you the ClusterRole nodemesh-viewer)");
    }
    if (answer.status() != 200) {
      throw new UserError(error(answer));
    }
    Explanation e;
    try {
      e = MeshConfigJson.mapper().readValue(answer.body(), Explanation.class);
    } catch (IOException ex) {
      throw new UserError("the controller's answer is not an explanation: " + ex.getMessage(), ex);
    }
    out.print(json ? answer.body() + "\n" : e.render());
    out.flush();
    return e.allowed() ? 0 : DENIED;
  }

  private record Answer(int status, String body, String where) {}

  String query() {
    StringBuilder q = new StringBuilder("/api/v1/explain?");
    q.append("from=").append(enc(from)).append("&to=").append(enc(to));
    q.append("&method=").append(enc(method)).append("&path=").append(enc(path));
    for (String h : headers) {
      q.append("&header=").append(enc(h));
    }
    return q.toString();
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private Answer direct(String query) {
    String base = controller.toString().replaceAll("/+$", "");
    URI uri = URI.create(base + query);
    boolean https = "https".equalsIgnoreCase(controller.getScheme());
    if (controllerCa != null && !https) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--controller-ca needs an https:// --controller");
    }
    HttpClient.Builder client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
    if (controllerCa != null) {
      try {
        client.sslContext(ControllerTrust.pinned(controllerCa));
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "--controller-ca: " + e.getMessage());
      }
    }
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10));
    // A bearer token only over TLS (RFC 6750 section 5.3), unless a token file is named.
    String token = tokenFile != null ? fileToken() : https ? kubeconfigToken(null) : null;
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    try (HttpClient http = client.build()) {
      var r = http.send(request.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
      return new Answer(r.statusCode(), r.body(), base);
    } catch (IOException e) {
      throw new UserError(
          "cannot reach the controller at "
              + base
              + " ("
              + e.getClass().getSimpleName()
              + (e.getMessage() == null ? "" : ": " + e.getMessage())
              + "); in local mode pass its --api-port, in a cluster use --via-api-server",
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UserError("interrupted", e);
    }
  }

  private Answer viaApiServer(String query) {
    Config config;
    try {
      config =
          kubeconfig == null
              ? Config.autoConfigure(null)
              : Config.fromKubeconfig(Files.readString(kubeconfig));
    } catch (IOException e) {
      throw new UserError("--kubeconfig: cannot read '" + kubeconfig + "': " + e.getMessage(), e);
    }
    try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build()) {
      // The API server's service proxy (Kubernetes API, "Manually constructing apiserver proxy
      // URLs"): /api/v1/namespaces/NS/services/NAME:PORTNAME/proxy/PATH.
      String base =
          client.getMasterUrl().toString().replaceAll("/+$", "")
              + ControllerAccess.servicePath(
                  namespace, "nodemesh-controller", ControllerAccess.PORT_NAME, !controllerHttp);
      var http = client.getHttpClient();
      var request = http.newHttpRequestBuilder().uri(base + query);
      // The API server consumes Authorization (it authenticates us, then drops the header), so
      // the controller gets the token in a header of its own to review it again.
      String token = tokenFile != null ? fileToken() : kubeconfigToken(config);
      if (token != null) {
        request.header(ConfigWire.FORWARDED_AUTHORIZATION_HEADER, "Bearer " + token);
      }
      HttpResponse<String> r =
          http.sendAsync(request.build(), String.class).get(15, TimeUnit.SECONDS);
      return new Answer(r.code(), r.body(), base);
    } catch (ExecutionException | TimeoutException e) {
      throw new UserError(
          "cannot reach the controller through the API server: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UserError("interrupted", e);
    }
  }

  private String fileToken() {
    try {
      String token = Files.readString(tokenFile).strip();
      if (token.isEmpty()) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "--token-file '" + tokenFile + "' is empty");
      }
      return token;
    } catch (IOException e) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--token-file: cannot read '" + tokenFile + "': " + e.getMessage());
    }
  }

  /**
   * The bearer token of the kubeconfig (static or from an exec plugin), or null when it has none.
   */
  private String kubeconfigToken(Config loaded) {
    Config config = loaded;
    if (config == null) {
      try {
        config =
            kubeconfig == null
                ? Config.autoConfigure(null)
                : Config.fromKubeconfig(Files.readString(kubeconfig));
      } catch (IOException e) {
        throw new UserError("--kubeconfig: cannot read '" + kubeconfig + "': " + e.getMessage(), e);
      } catch (RuntimeException e) {
        return null;
      }
    }
    return ControllerAccess.bearerToken(config);
  }

  private static String error(Answer a) {
    try {
      Map<?, ?> m = MeshConfigJson.mapper().readValue(a.body(), Map.class);
      if (m.get("error") != null) {
        return String.valueOf(m.get("error"));
      }
    } catch (IOException | RuntimeException e) {
      // not our JSON: fall through to the status line
    }
    String body = a.body() == null ? "" : a.body().strip();
    return "the controller at "
        + a.where()
        + " answered "
        + a.status()
        + (body.isEmpty() ? "" : ": " + body.lines().findFirst().orElse(""));
  }
}
