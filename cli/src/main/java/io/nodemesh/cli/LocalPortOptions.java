package io.nodemesh.cli;

import picocli.CommandLine.Option;

/** The three loopback ports of local mode, shared by {@code local} and {@code demo}. */
final class LocalPortOptions {
  @Option(
      names = "--entry-port",
      paramLabel = "N",
      converter = PortConverter.class,
      defaultValue = "8000",
      description = "Port that routes by Host (name.namespace.mesh). Default: ${DEFAULT-VALUE}.")
  int entryPort;

  @Option(
      names = "--admin-port",
      paramLabel = "N",
      converter = PortConverter.class,
      defaultValue = "9901",
      description =
          "Proxy admin port (/ping, /ready, /metrics, /config). Default: ${DEFAULT-VALUE}.")
  int adminPort;

  @Option(
      names = "--api-port",
      paramLabel = "N",
      converter = PortConverter.class,
      defaultValue = "9900",
      description =
          "Controller API port (/api/v1/config, /healthz, /metrics). Default: ${DEFAULT-VALUE}.")
  int apiPort;
}
