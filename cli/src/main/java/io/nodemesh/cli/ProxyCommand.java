package io.nodemesh.cli;

import io.nodemesh.proxy.NodeProxy;
import io.nodemesh.proxy.ProxyOptions;
import io.nodemesh.proxy.config.ControllerTrust;
import io.nodemesh.proxy.identity.IdentityTunnelCredentials;
import io.nodemesh.proxy.identity.WorkloadIdentities;
import io.nodemesh.proxy.limits.LimitSettings;
import io.nodemesh.proxy.tunnel.PodPoolSettings;
import io.nodemesh.proxy.tunnel.TunnelSettings;
import io.nodemesh.proxy.upstream.HttpProxySettings;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code nodemesh proxy}: the node proxy, fed by a controller. */
@Command(
    name = "proxy",
    mixinStandardHelpOptions = true,
    description = {
      "Run a node proxy. It long-polls the controller for its configuration, keeps serving the"
          + " last good one while the controller is away, and opens one listener per meshed"
          + " Service port."
    })
final class ProxyCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--controller",
      required = true,
      paramLabel = "URL",
      description =
          "Controller API base URL, e.g. https://nodemesh-controller.nodemesh.svc:9900 (http://"
              + " for a controller without TLS).")
  String controller;

  @Option(
      names = "--controller-ca",
      paramLabel = "FILE",
      description =
          "PEM file with the CA that signed the controller's certificate: the only CA trusted for"
              + " an https --controller (the chart mounts its ca.crt). Default: the JDK's trust"
              + " store.")
  Path controllerCa;

  @Option(
      names = "--admin-port",
      paramLabel = "N",
      converter = PortConverter.class,
      defaultValue = "9901",
      description = "Admin port (/ping, /ready, /metrics, /config). Default: ${DEFAULT-VALUE}.")
  int adminPort;

  @Option(
      names = "--bind",
      paramLabel = "ADDR",
      defaultValue = "0.0.0.0",
      description = "Address the service listeners bind. Default: ${DEFAULT-VALUE}.")
  String bind;

  @Option(
      names = "--node-name",
      paramLabel = "NAME",
      description = "This node's name. Default: $NODE_NAME.")
  String nodeName;

  @Option(
      names = "--threads",
      paramLabel = "N",
      defaultValue = "0",
      description = "Event loop threads (0 = one per core). Default: ${DEFAULT-VALUE}.")
  int threads;

  @Option(
      names = "--token-file",
      paramLabel = "FILE",
      description =
          "Send this file's content as the Bearer token to the controller, re-read for every poll"
              + " (the chart mounts a projected ServiceAccount token here). Default: none.")
  Path tokenFile;

  @Option(
      names = "--ca-token-file",
      paramLabel = "FILE",
      description =
          "Hold workload certificates (issue 14): ask the controller's CA for the ServiceAccounts"
              + " with pods on this node, sending this file's token (a projected token of audience"
              + " nodemesh-ca, re-read for every request). Needs an https:// --controller and"
              + " --controller-ca. Default: no certificates.")
  Path caTokenFile;

  @Option(
      names = "--tunnel-port",
      paramLabel = "PORT",
      defaultValue = "0",
      description =
          "Take node-to-node mTLS tunnels on this port and send traffic to pods on other nodes"
              + " through them as each namespace's mTLS mode says (issue 14); the certificates are"
              + " the ones --ca-token-file obtains, so it needs that flag. 0: no tunnel."
              + " Default: ${DEFAULT-VALUE}.")
  int tunnelPort;

  @Option(
      names = "--drain-delay",
      paramLabel = "DURATION",
      defaultValue = "0s",
      description =
          "On SIGTERM, keep accepting for this long (e.g. 10s) while every HTTP response says"
              + " Connection: close, then stop accepting and drain; covers the seconds in which"
              + " kube-proxy still sends new connections to a terminating pod. The chart sets it"
              + " from the pod's grace period. Default: ${DEFAULT-VALUE}.")
  String drainDelay;

  @CommandLine.Mixin TelemetryOptions telemetry;

  @CommandLine.Mixin LimitOptions limits;

  @CommandLine.Mixin PodPoolOptions podPool;

  @CommandLine.Mixin LogOptions log;

  @Override
  public Integer call() {
    log.apply(spec.commandLine());
    URI uri = controllerUri();
    if (threads < 0) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--threads must be 0 or more (got " + threads + ")");
    }
    String node = nodeName != null ? nodeName : System.getenv("NODE_NAME");
    ProxyOptions options =
        telemetry
            .applyTo(new ProxyOptions(uri, bind, adminPort, -1, node, threads), spec.commandLine())
            .withTokenFile(tokenFile)
            .withControllerCa(controllerCa);
    LimitSettings limitSettings = limits.settings(spec.commandLine());
    PodPoolSettings podPoolSettings = podPool.settings(spec.commandLine());
    Duration delay = drainDelay();
    if (caTokenFile != null && (controllerCa == null || !"https".equals(uri.getScheme()))) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--ca-token-file needs an https:// --controller and --controller-ca");
    }
    if (tunnelPort < 0 || tunnelPort > 65535) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--tunnel-port must be in 0..65535 (got " + tunnelPort + ")");
    }
    if (tunnelPort > 0 && caTokenFile == null) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--tunnel-port needs --ca-token-file (workload certificates)");
    }
    NodeProxy proxy;
    try {
      proxy = NodeProxy.start(options, HttpProxySettings.defaults(), limitSettings);
    } catch (IllegalStateException e) {
      throw new UserError(e.getMessage(), e);
    }
    if (caTokenFile != null) {
      WorkloadIdentities ids = proxy.startIdentities(caTokenFile);
      if (tunnelPort > 0) {
        try {
          proxy.startTunnel(
              TunnelSettings.defaults(tunnelPort).withPodPool(podPoolSettings),
              new IdentityTunnelCredentials(ids),
              Clock.systemUTC());
        } catch (IllegalStateException e) {
          proxy.close(Duration.ZERO);
          throw new UserError(e.getMessage(), e);
        }
      }
    }
    spec.commandLine()
        .getOut()
        .printf("nodemesh proxy: admin on port %d, controller %s%n", proxy.adminPort(), uri)
        .flush();
    Lifecycle.runUntilStopped(
        new AutoCloseable() {
          @Override
          public void close() {
            proxy.close(delay);
          }

          @Override
          public String toString() {
            return "proxy";
          }
        });
    return 0;
  }

  /** {@code --drain-delay}: zero, or a positive duration in the limit flags' syntax. */
  Duration drainDelay() {
    String v = drainDelay.trim();
    if (v.equals("0") || v.equals("0s") || v.equals("0ms")) {
      return Duration.ZERO;
    }
    return LimitOptions.duration(spec.commandLine(), "--drain-delay", v, Duration.ZERO);
  }

  private URI controllerUri() {
    try {
      URI uri = new URI(controller);
      if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
          || uri.getHost() == null) {
        throw new URISyntaxException(controller, "expected https://HOST[:PORT] or http://...");
      }
      if (controllerCa != null) {
        if (!"https".equals(uri.getScheme())) {
          throw new CommandLine.ParameterException(
              spec.commandLine(), "--controller-ca needs an https:// --controller");
        }
        try {
          ControllerTrust.pinned(controllerCa);
        } catch (IllegalArgumentException e) {
          throw new CommandLine.ParameterException(
              spec.commandLine(), "--controller-ca: " + e.getMessage());
        }
      }
      return uri;
    } catch (URISyntaxException e) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--controller: '" + controller + "' is not a URL: " + e.getReason());
    }
  }
}
