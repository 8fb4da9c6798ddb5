package io.nodemesh.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.nodemesh.dns.MeshDnsSettings;
import io.nodemesh.dns.server.DnsMetrics;
import io.nodemesh.dns.server.MeshDnsServer;
import io.nodemesh.dns.server.MeshNames;
import io.nodemesh.dns.server.MetricsEndpoint;
import io.nodemesh.dns.server.ShadowServiceWatch;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code nodemesh dns}: the mesh DNS server that the cluster DNS forwards the mesh zone to. It
 * binds only once the shadow Services are loaded, so a TCP readiness probe on its port means "has
 * answers", and it never answers NXDOMAIN from an empty table.
 */
@Command(
    name = "dns",
    mixinStandardHelpOptions = true,
    description = {
      "Serve the mesh DNS zone: NAME.NAMESPACE.<domain> answers with the ClusterIP of that"
          + " Service's shadow Service (UDP and TCP).",
      "`nodemesh prepare` makes the cluster DNS forward the zone here."
    })
final class DnsCommand implements Callable<Integer> {
  private static final Duration LOAD_TIMEOUT = Duration.ofSeconds(60);

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Mixin ClusterOptions cluster;

  @Mixin LogOptions log;

  @Option(
      names = "--port",
      paramLabel = "N",
      converter = PortConverter.class,
      defaultValue = "5353",
      description =
          "UDP and TCP port. Default: ${DEFAULT-VALUE} (53 needs root; the chart's Service maps 53"
              + " to it).")
  int port;

  @Option(
      names = "--metrics-port",
      paramLabel = "N",
      converter = PortConverter.class,
      defaultValue = "9902",
      description =
          "HTTP port of GET /metrics (queries by type and rcode, latency). Default:"
              + " ${DEFAULT-VALUE}.")
  int metricsPort;

  @Option(
      names = "--bind",
      paramLabel = "ADDR",
      defaultValue = "0.0.0.0",
      description = "Address to bind. Default: ${DEFAULT-VALUE}.")
  String bind;

  @Override
  public Integer call() throws InterruptedException {
    log.apply(spec.commandLine());
    try {
      new MeshDnsSettings(cluster.meshDomain, "127.0.0.1");
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    KubernetesClient client = cluster.connect();
    MeshNames names = new MeshNames();
    ShadowServiceWatch watch = ShadowServiceWatch.start(client, cluster.namespace, names);
    if (!names.awaitLoaded(LOAD_TIMEOUT)) {
      Lifecycle.closeAll(watch, client);
      throw new UserError(
          "could not list the shadow Services in namespace %s at %s within %ds; check the API server and the ServiceAccount's rights (get/list/watch services)"
              .formatted(cluster.namespace, client.getMasterUrl(), LOAD_TIMEOUT.toSeconds()));
    }
    DnsMetrics metrics = new DnsMetrics(names);
    MetricsEndpoint endpoint;
    try {
      endpoint = MetricsEndpoint.start(bind, metricsPort, metrics);
    } catch (IOException | RuntimeException e) {
      Lifecycle.closeAll(watch, client);
      throw new UserError(
          "cannot serve metrics on %s:%d: %s".formatted(bind, metricsPort, e.getMessage()), e);
    }
    MeshDnsServer server;
    try {
      server = MeshDnsServer.start(bind, port, cluster.meshDomain, names, metrics);
    } catch (RuntimeException e) {
      Lifecycle.closeAll(endpoint, watch, client);
      throw new UserError("cannot listen on %s:%d: %s".formatted(bind, port, e.getMessage()), e);
    }
    spec.commandLine()
        .getOut()
        .printf(
            "nodemesh dns: %s. on %s:%d (udp, tcp), %d names, metrics on port %d%n",
            cluster.meshDomain, bind, server.port(), names.size(), endpoint.port())
        .flush();
    Lifecycle.runUntilStopped(server, endpoint, watch, client);
    return 0;
  }
}
