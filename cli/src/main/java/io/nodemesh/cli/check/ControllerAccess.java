package io.nodemesh.cli.check;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.nodemesh.config.wire.ConfigWire;
import io.nodemesh.proxy.config.ControllerTrust;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * How the CLI reaches the in-cluster controller API and the proxies' {@code /ready}: the one place
 * for the scheme, the port, and where the caller's token goes.
 *
 * <ul>
 *   <li>Through the API server (the default, from a laptop): the service proxy {@code
 *       /api/v1/namespaces/NS/services/[https:]NAME:api/proxy/PATH} (Kubernetes API, "Manually
 *       constructing apiserver proxy URLs"). The API server consumes {@code Authorization} (it
 *       authenticates the caller, then drops the header), so the kubeconfig's bearer token goes in
 *       {@value ConfigWire#FORWARDED_AUTHORIZATION_HEADER} for the controller to review it again.
 *   <li>Direct (in the cluster, e.g. the chart's {@code helm test} Pod): {@code
 *       https://NAME.NS.svc:PORT} with the controller's CA, the token in {@code Authorization}; the
 *       proxies' admin port at their pod IP. The chart's NetworkPolicies block the API server's
 *       proxy from reaching either, so in-cluster this is the way that works.
 * </ul>
 *
 * The scheme is the controller Service port's {@code appProtocol} (the chart sets {@code https}
 * when {@code controller.tls.enabled}, else {@code http}); without one it is https, the chart's
 * default. Trying one and then the other does not work through the API server: it answers a scheme
 * mismatch with 503, which the Kubernetes client retries with backoff for many seconds.
 */
public final class ControllerAccess {
  /** The name of the controller Service's API port in the chart. */
  public static final String PORT_NAME = "api";

  private static final Duration TIMEOUT = Duration.ofSeconds(15);

  /**
   * One answer of the controller.
   *
   * @param status the HTTP status; 404 with an empty body when the controller Service is missing
   * @param where the URL asked, for messages
   */
  public record Answer(int status, String body, String where) {
    public boolean ok() {
      return status == 200;
    }
  }

  private final KubernetesClient client;
  private final ClusterCheck.Settings settings;
  private final boolean direct;
  private final Path controllerCa;
  private final URI controller;
  private volatile Target target;

  private record Target(String scheme, String port) {}

  /**
   * @param direct dial the controller Service and the proxy pods directly instead of through the
   *     API server
   * @param controllerCa the PEM CA that signed the controller's certificate, for direct https; null
   *     trusts the JVM's CAs
   */
  public ControllerAccess(
      KubernetesClient client, ClusterCheck.Settings settings, boolean direct, Path controllerCa) {
    this(client, settings, direct, controllerCa, null);
  }

  /**
   * As above; {@code controller} (direct only, null for the Service's cluster DNS name) is the
   * controller's base URL, e.g. {@code https://localhost:9900} through {@code kubectl
   * port-forward}.
   */
  public ControllerAccess(
      KubernetesClient client,
      ClusterCheck.Settings settings,
      boolean direct,
      Path controllerCa,
      URI controller) {
    if (controller != null && !direct) {
      throw new IllegalArgumentException("a controller URL is only for direct access");
    }
    this.client = client;
    this.settings = settings;
    this.direct = direct;
    this.controllerCa = controllerCa;
    this.controller = controller;
  }

  /**
   * The bearer token of a kubeconfig (static, from an exec plugin, or the in-cluster
   * ServiceAccount's), or null when it authenticates otherwise (client certificate).
   */
  public static String bearerToken(Config config) {
    for (String t : new String[] {config.getOauthToken(), config.getAutoOAuthToken()}) {
      if (t != null && !t.isBlank()) {
        return t.strip();
      }
    }
    return null;
  }

  /** {@code /api/v1/namespaces/NS/services/https:NAME:PORT/proxy}: the service proxy's base. */
  public static String servicePath(String namespace, String service, String port, boolean https) {
    return "/api/v1/namespaces/%s/services/%s%s:%s/proxy"
        .formatted(namespace, https ? "https:" : "", service, port);
  }

  /** GETs {@code path} (e.g. {@code /api/v1/problems}) from the controller, with the token. */
  public Answer get(String path) {
    if (direct && controller != null) {
      return getDirect(null, path);
    }
    Target t = target();
    if (t == null) {
      return new Answer(
          404, "", "Service " + settings.meshNamespace() + "/" + settings.controllerName());
    }
    return direct ? getDirect(t, path) : getProxied(t, path);
  }

  /** The body of a proxy pod's {@code /ready}; throws when it cannot be reached. */
  public String proxyReady(Pod pod) {
    if (!direct) {
      return client.raw(
          "/api/v1/namespaces/%s/pods/%s:%d/proxy/ready"
              .formatted(
                  settings.meshNamespace(),
                  pod.getMetadata().getName(),
                  settings.proxyAdminPort()));
    }
    String ip = pod.getStatus() == null ? null : pod.getStatus().getPodIP();
    if (ip == null || ip.isBlank()) {
      throw new IllegalStateException("no pod IP");
    }
    String host = ip.contains(":") ? "[" + ip + "]" : ip;
    return send("http://%s:%d/ready".formatted(host, settings.proxyAdminPort()), null, null).body();
  }

  private Target target() {
    Target t = target;
    if (t != null) {
      return t;
    }
    Service svc =
        client
            .services()
            .inNamespace(settings.meshNamespace())
            .withName(settings.controllerName())
            .get();
    if (svc == null || svc.getSpec() == null) {
      return null;
    }
    ServicePort port = null;
    for (ServicePort p :
        svc.getSpec().getPorts() == null
            ? java.util.List.<ServicePort>of()
            : svc.getSpec().getPorts()) {
      if (PORT_NAME.equals(p.getName())
          || (port == null && p.getPort() == settings.controllerPort())) {
        port = p;
      }
    }
    String app = port == null || port.getAppProtocol() == null ? "" : port.getAppProtocol();
    String scheme = app.equalsIgnoreCase("http") ? "http" : "https";
    String portRef;
    if (direct) {
      portRef = String.valueOf(port == null ? settings.controllerPort() : port.getPort());
    } else {
      portRef =
          port == null
              ? String.valueOf(settings.controllerPort())
              : port.getName() != null && !port.getName().isEmpty()
                  ? port.getName()
                  : String.valueOf(port.getPort());
    }
    t = new Target(scheme, portRef);
    target = t;
    return t;
  }

  private Answer getProxied(Target t, String path) {
    String url =
        client.getMasterUrl().toString().replaceAll("/+$", "")
            + servicePath(
                settings.meshNamespace(),
                settings.controllerName(),
                t.port(),
                "https".equals(t.scheme()))
            + path;
    var http = client.getHttpClient();
    var request = http.newHttpRequestBuilder().uri(url);
    String token = bearerToken(client.getConfiguration());
    if (token != null) {
      request.header(ConfigWire.FORWARDED_AUTHORIZATION_HEADER, "Bearer " + token);
    }
    try {
      var r =
          http.sendAsync(request.build(), String.class).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      return new Answer(r.code(), r.body() == null ? "" : r.body(), url);
    } catch (ExecutionException e) {
      throw new IllegalStateException(
          "cannot reach the API server: "
              + CheckText.oneLine(e.getCause() == null ? e : e.getCause()),
          e);
    } catch (TimeoutException e) {
      throw new IllegalStateException("no answer within " + TIMEOUT.toSeconds() + " s", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private Answer getDirect(Target t, String path) {
    String base =
        controller != null
            ? controller.toString().replaceAll("/+$", "")
            : "%s://%s.%s.svc:%s"
                .formatted(
                    t.scheme(), settings.controllerName(), settings.meshNamespace(), t.port());
    String url = base + path;
    boolean https = base.regionMatches(true, 0, "https:", 0, 6);
    // A bearer token only over TLS (RFC 6750 section 5.3).
    String token = https ? bearerToken(client.getConfiguration()) : null;
    return send(url, token, https ? controllerCa : null);
  }

  private static Answer send(String url, String token, Path ca) {
    HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
    if (ca != null) {
      b.sslContext(ControllerTrust.pinned(ca));
    }
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(TIMEOUT);
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    try (HttpClient http = b.build()) {
      var r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      return new Answer(r.statusCode(), r.body() == null ? "" : r.body(), url);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot reach " + url + ": " + CheckText.oneLine(e), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
