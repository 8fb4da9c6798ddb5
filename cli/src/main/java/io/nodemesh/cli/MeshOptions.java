package io.nodemesh.cli;

import io.nodemesh.config.Protocol;
import io.nodemesh.controller.ControllerOptions;
import io.nodemesh.controller.common.PortRange;
import picocli.CommandLine.Option;

/** Controller settings shared by {@code controller}, {@code local} and {@code demo}. */
final class MeshOptions {
  @Option(
      names = "--mesh-domain",
      paramLabel = "DOMAIN",
      description = "DNS suffix clients call (name.namespace.DOMAIN). Default: ${DEFAULT-VALUE}.",
      defaultValue = "mesh")
  String meshDomain;

  @Option(
      names = "--http-ports",
      paramLabel = "FIRST-LAST",
      converter = PortRangeConverter.class,
      description = "Proxy ports for HTTP Service ports. Default: ${DEFAULT-VALUE}.",
      defaultValue = "5000-9999")
  PortRange httpPorts;

  @Option(
      names = "--tcp-ports",
      paramLabel = "FIRST-LAST",
      converter = PortRangeConverter.class,
      description = "Proxy ports for TCP Service ports. Default: ${DEFAULT-VALUE}.",
      defaultValue = "10000-14999")
  PortRange tcpPorts;

  @Option(
      names = "--udp-ports",
      paramLabel = "FIRST-LAST",
      converter = PortRangeConverter.class,
      description = "Proxy ports for UDP Service ports. Default: ${DEFAULT-VALUE}.",
      defaultValue = "15000-19999")
  PortRange udpPorts;

  @Option(
      names = "--acl",
      description =
          "ACL mode: deny by default; allow only what SMI TrafficTargets allow (HTTP, TCP, UDP).")
  boolean acl;

  @Option(
      names = "--default-traffic-type",
      paramLabel = "TYPE",
      converter = TrafficTypeConverter.class,
      description =
          "Traffic type (http, tcp, udp or auto) of a Service port that declares none (no"
              + " nodemesh.io/traffic-type annotation, appProtocol or known name prefix); auto"
              + " detects it from each connection's first bytes; UDP ports are always udp."
              + " Default: ${DEFAULT-VALUE}.",
      defaultValue = ControllerOptions.DEFAULT_TRAFFIC_TYPE_NAME)
  Protocol defaultTrafficType;

  /** Applies these settings on top of {@code base}. */
  ControllerOptions applyTo(ControllerOptions base) {
    return base.toBuilder()
        .meshDomain(meshDomain)
        .httpPorts(httpPorts)
        .tcpPorts(tcpPorts)
        .udpPorts(udpPorts)
        .acl(acl || base.acl())
        .defaultTrafficType(defaultTrafficType)
        .build();
  }
}
