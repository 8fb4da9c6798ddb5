package io.nodemesh.cli;

import io.nodemesh.controller.ControllerOptions;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code nodemesh local DIR}: controller + one proxy in one process, DIR as the cluster. */
@Command(
    name = "local",
    mixinStandardHelpOptions = true,
    description = {
      "Run the controller and one node proxy in this process, with DIR (Kubernetes-style YAML:"
          + " Services, EndpointSlices, Pods, SMI objects) as the cluster.",
      "Edits to DIR take effect in about a second. Call services through the entry port:",
      "  curl -H 'Host: NAME.NAMESPACE.mesh' http://127.0.0.1:8000/"
    })
final class LocalCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "DIR", description = "Directory of YAML files to watch.")
  Path dir;

  @Mixin LocalPortOptions ports;

  @Mixin MeshOptions mesh;

  @Mixin TelemetryOptions telemetry;

  @Mixin LimitOptions limits;

  @Override
  public Integer call() throws InterruptedException {
    if (!java.nio.file.Files.isDirectory(dir)) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "DIR: '" + dir + "' is not a directory");
    }
    PrintWriter out = spec.commandLine().getOut();
    LocalMesh local =
        LocalMesh.start(
            dir,
            localControllerOptions(mesh, ports.apiPort),
            ports.entryPort,
            ports.adminPort,
            o -> telemetry.applyTo(o, spec.commandLine()),
            limits.settings(spec.commandLine()));
    local.awaitListeners(0, Duration.ofSeconds(10));
    out.printf(
        "nodemesh local: watching %s; entry port %s:%d, proxy admin %s:%d, controller API %s:%d%n",
        dir.toAbsolutePath(),
        LocalMesh.LOOPBACK,
        local.proxy().entryPort(),
        LocalMesh.LOOPBACK,
        local.proxy().adminPort(),
        LocalMesh.LOOPBACK,
        local.controller().apiPort());
    out.printf(
        "nodemesh local: the mesh, live: http://%s:%d/ui/%n",
        LocalMesh.LOOPBACK, local.controller().apiPort());
    out.flush();
    Lifecycle.runUntilStopped(local);
    return 0;
  }

  /** Local mode: loopback only, no Kubernetes, this replica is the only one. */
  static ControllerOptions localControllerOptions(MeshOptions mesh, int apiPort) {
    return mesh.applyTo(
        ControllerOptions.defaults()
            .withApi(LocalMesh.LOOPBACK, apiPort)
            .withLeaderElection(false, "local"));
  }
}
