package io.nodemesh.cli;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.nodemesh.config.tunnel.MtlsMode;
import io.nodemesh.controller.Controller;
import io.nodemesh.controller.ControllerOptions;
import io.nodemesh.controller.api.ApiSecurity;
import io.nodemesh.controller.api.ApiTls;
import io.nodemesh.controller.identity.IdentitySettings;
import io.nodemesh.controller.source.ClusterSource;
import io.nodemesh.controller.source.FileSource;
import io.nodemesh.controller.source.InformerSource;
import io.nodemesh.controller.tunnel.TunnelSettings;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code nodemesh controller}: the control plane. Against Kubernetes it finds its credentials the
 * way kubectl does (in-cluster ServiceAccount, else {@code $KUBECONFIG} or {@code ~/.kube/config}),
 * unless {@code --kubeconfig} names a file; with {@code --source DIR} it reads YAML instead.
 */
@Command(
    name = "controller",
    mixinStandardHelpOptions = true,
    description = {
      "Run the control plane: watch the cluster (or a YAML directory), compile the proxy"
          + " configuration, keep shadow Services, and serve /api/v1/config to node proxies.",
      "Credentials: in a pod, the pod's ServiceAccount; elsewhere $KUBECONFIG or ~/.kube/config,"
          + " or --kubeconfig FILE."
    })
final class ControllerCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  static final class SourceChoice {
    @Option(
        names = "--source",
        paramLabel = "DIR",
        description = "Read the cluster from a directory of YAML instead of the Kubernetes API.")
    Path sourceDir;

    @Option(
        names = "--kubeconfig",
        paramLabel = "FILE",
        description = "Kubeconfig file to use (default: in-cluster, $KUBECONFIG, ~/.kube/config).")
    Path kubeconfig;
  }

  @ArgGroup(exclusive = true)
  SourceChoice source = new SourceChoice();

  @Option(
      names = "--namespace",
      paramLabel = "NS",
      defaultValue = "nodemesh",
      description =
          "The mesh namespace: shadow Services and the leader Lease. Default: ${DEFAULT-VALUE}.")
  String namespace;

  @Option(
      names = "--watch-namespace",
      paramLabel = "NS",
      description = "Only mesh Services of this namespace (default: all namespaces).")
  String watchNamespace;

  @Option(
      names = "--port",
      paramLabel = "N",
      converter = PortConverter.class,
      defaultValue = "9900",
      description =
          "API port (/api/v1/config, /healthz, /readyz, /metrics). Default: ${DEFAULT-VALUE}.")
  int port;

  @Option(
      names = "--bind",
      paramLabel = "ADDR",
      defaultValue = "0.0.0.0",
      description = "Address the API binds. Default: ${DEFAULT-VALUE}.")
  String bind;

  @Option(
      names = "--leader-election",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description =
          "Elect one writer among replicas through a Lease (default on; off only for a single replica).")
  boolean leaderElection;

  @Option(
      names = "--identity",
      paramLabel = "NAME",
      description = "Lease holder identity. Default: $POD_NAME, else the host name.")
  String identity;

  @Option(
      names = "--proxy-service-account",
      paramLabel = "NAME",
      description =
          "Serve /api/v1/config only to requests bearing a token of this ServiceAccount of the"
              + " mesh namespace, checked by a TokenReview (the chart sets nodemesh-proxy)."
              + " Needs the Kubernetes API; default: the config is open.")
  String proxyServiceAccount;

  @Option(
      names = "--tls-cert",
      paramLabel = "FILE",
      description =
          "PEM certificate chain to serve the API over TLS with (the chart mounts tls.crt);"
              + " needs --tls-key. Default: plain HTTP.")
  Path tlsCert;

  @Option(
      names = "--tls-key",
      paramLabel = "FILE",
      description = "PEM private key (PKCS#1 or PKCS#8) of --tls-cert.")
  Path tlsKey;

  @Option(
      names = "--ca",
      description =
          "Run the mesh CA (issue 14): keep a root and an intermediate in the Secret --ca-secret"
              + " and issue workload certificates to node proxies on POST /api/v1/certificates."
              + " Needs --proxy-service-account and --tls-cert.")
  boolean ca;

  @Option(
      names = "--ca-secret",
      paramLabel = "NAME",
      defaultValue = "nodemesh-ca",
      description =
          "The CA's Secret in the mesh namespace; created when absent. Default: ${DEFAULT-VALUE}.")
  String caSecret;

  @Option(
      names = "--trust-domain",
      paramLabel = "DOMAIN",
      description =
          "SPIFFE trust domain of the workload certificates. Default: the CA Secret's, else a new"
              + " unique one (nodemesh-<random>.local) stored there.")
  String trustDomain;

  @Option(
      names = "--certificate-lifetime-minutes",
      paramLabel = "N",
      defaultValue = "240",
      description =
          "Lifetime of a workload certificate, 10 to 1440 minutes; proxies renew at half of it."
              + " Default: ${DEFAULT-VALUE}.")
  int certificateLifetimeMinutes;

  @Option(
      names = "--mtls-mode",
      paramLabel = "MODE",
      defaultValue = "off",
      description =
          "Node-to-node mTLS mode of a namespace without the nodemesh.io/mtls label or annotation:"
              + " off, permissive or strict (issue 14). Takes effect with --ca only."
              + " Default: ${DEFAULT-VALUE}.")
  String mtlsMode;

  @Option(
      names = "--tunnel-port",
      paramLabel = "PORT",
      defaultValue = "15008",
      description =
          "The port every node proxy takes tunnels on (the proxies' --tunnel-port), put into the"
              + " config. Default: ${DEFAULT-VALUE}.")
  int tunnelPort;

  @Mixin MeshOptions mesh;

  @Mixin LogOptions log;

  @Override
  public Integer call() {
    log.apply(spec.commandLine());
    ControllerOptions options =
        mesh.applyTo(
            ControllerOptions.builder()
                .meshNamespace(namespace)
                .bindHost(bind)
                .apiPort(port)
                .leaderElection(source.sourceDir == null && leaderElection)
                .identity(identity != null ? identity : defaultIdentity())
                .watchNamespace(watchNamespace)
                .build());
    IdentitySettings identity = identity();
    TunnelSettings tunnel = tunnel(options);
    if (identity == null && tunnel.mode() != MtlsMode.OFF) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--mtls-mode " + mtlsMode + " needs --ca (workload certificates)");
    }
    ApiTls tls = tls();
    KubernetesClient client = null;
    ClusterSource clusterSource;
    if (proxyServiceAccount != null && proxyServiceAccount.isBlank()) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--proxy-service-account must name a ServiceAccount");
    }
    if (proxyServiceAccount != null && source.sourceDir != null) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "--proxy-service-account needs the Kubernetes API for TokenReviews; it cannot be used"
              + " with --source");
    }
    if (source.sourceDir != null) {
      if (!Files.isDirectory(source.sourceDir)) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "--source: '" + source.sourceDir + "' is not a directory");
      }
      clusterSource = new FileSource(source.sourceDir);
    } else {
      client = kubernetesClient(source.kubeconfig);
      checkReachable(client);
      clusterSource = new InformerSource(client, watchNamespace);
    }
    // Against the Kubernetes API, explain and problems answer only proxies and users granted
    // them (TokenReview + SubjectAccessReview); with --source there is no API to ask.
    ApiSecurity security = new ApiSecurity(proxyServiceAccount, client != null, tls);
    Controller controller;
    try {
      controller = Controller.start(options, clusterSource, client, security, identity);
    } catch (IllegalArgumentException | IllegalStateException e) {
      // A bad CA Secret is a user's mistake too: one line, not a stack trace.
      if (client != null) {
        client.close();
      }
      throw new UserError(e.getMessage(), e);
    }
    if (identity != null) {
      controller.tunnel(tunnel);
    } else {
      controller.noTunnel();
    }
    spec.commandLine()
        .getOut()
        .printf(
            "nodemesh controller: API on %s://%s:%d%n",
            security.tls() == null ? "http" : "https", bind, controller.apiPort())
        .flush();
    Lifecycle.runUntilStopped(controller, client == null ? () -> {} : client);
    return 0;
  }

  /** {@code --mtls-mode} and {@code --tunnel-port}. */
  private TunnelSettings tunnel(ControllerOptions options) {
    try {
      return new TunnelSettings(
          MtlsMode.parse(mtlsMode),
          tunnelPort,
          trustDomain,
          options.meshNamespace(),
          options.proxySelector());
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
  }

  /** The CA's settings with {@code --ca}, else null. */
  private IdentitySettings identity() {
    if (!ca) {
      return null;
    }
    if (proxyServiceAccount == null || tlsCert == null || source.sourceDir != null) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "--ca needs the Kubernetes API, --proxy-service-account and --tls-cert/--tls-key");
    }
    try {
      return new IdentitySettings(
          caSecret,
          trustDomain,
          Duration.ofMinutes(certificateLifetimeMinutes),
          IdentitySettings.DEFAULT_BACKDATE);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
  }

  private ApiTls tls() {
    if ((tlsCert == null) != (tlsKey == null)) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--tls-cert and --tls-key go together");
    }
    if (tlsCert == null) {
      return null;
    }
    ApiTls tls = new ApiTls(tlsCert, tlsKey);
    try {
      tls.serverTls();
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--tls-cert/--tls-key: " + e.getMessage());
    }
    return tls;
  }

  private KubernetesClient kubernetesClient(Path kubeconfig) {
    if (kubeconfig == null) {
      return new KubernetesClientBuilder().build();
    }
    String contents;
    try {
      contents = Files.readString(kubeconfig);
    } catch (IOException e) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--kubeconfig: cannot read '" + kubeconfig + "': " + e.getMessage());
    }
    try {
      return new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(contents)).build();
    } catch (RuntimeException e) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "--kubeconfig: '" + kubeconfig + "' is not a usable kubeconfig: " + e.getMessage());
    }
  }

  /**
   * Fails fast with one line when the API server cannot be reached; informers would otherwise retry
   * silently and the controller would serve an empty mesh with no hint why.
   */
  private static void checkReachable(KubernetesClient client) {
    try {
      client.getKubernetesVersion();
    } catch (RuntimeException e) {
      client.close();
      Throwable root = e;
      while (root.getCause() != null) {
        root = root.getCause();
      }
      throw new UserError(
          "cannot reach the Kubernetes API at "
              + client.getMasterUrl()
              + " ("
              + root.getClass().getSimpleName()
              + ": "
              + root.getMessage()
              + "); in a pod check the ServiceAccount, elsewhere pass --kubeconfig FILE or set"
              + " $KUBECONFIG",
          e);
    }
  }

  private static String defaultIdentity() {
    String pod = System.getenv("POD_NAME");
    if (pod != null && !pod.isBlank()) {
      return pod;
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "nodemesh-controller-" + ProcessHandle.current().pid();
    }
  }
}
