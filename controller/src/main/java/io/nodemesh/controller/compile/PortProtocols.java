package io.nodemesh.controller.compile;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.nodemesh.config.Protocol;
import io.nodemesh.controller.common.Problem;
import io.nodemesh.controller.common.ProblemReason;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The protocol a Service port declares itself, for a Service without the {@code
 * nodemesh.io/traffic-type} annotation (which wins when present). In order: the port's {@code
 * appProtocol} (Kubernetes' own field, KEP-3726 names {@code kubernetes.io/h2c} and {@code
 * kubernetes.io/ws}), then the Istio-style name prefix ({@code http-web}, {@code tcp-db}), then the
 * mesh default. The table is in docs/protocols.md.
 */
final class PortProtocols {
  /** appProtocol values and name prefixes that are HTTP in clear text, which the proxy serves. */
  private static final Set<String> HTTP =
      Set.of(
          "http",
          "http2",
          "h2c",
          "grpc",
          "grpc-web",
          "ws",
          "kubernetes.io/h2c",
          "kubernetes.io/ws");

  /**
   * Values known not to be clear-text HTTP; any other appProtocol counts as TCP too, since a byte
   * relay carries every protocol while the HTTP listener breaks all but HTTP.
   */
  private static final Set<String> TCP =
      Set.of("tcp", "tls", "https", "kubernetes.io/wss", "mongo", "mysql", "redis", "sctp");

  private static final String UDP = "udp";

  private PortProtocols() {}

  /**
   * The protocol a TCP Service port declares, or {@code fallback} when it declares none.
   *
   * @param index the port's index in {@code spec.ports}, for problems
   */
  static Protocol declared(
      Service svc, ServicePort sp, int index, Protocol fallback, List<Problem> problems) {
    String app = sp.getAppProtocol();
    if (app != null && !app.isBlank()) {
      String v = app.trim().toLowerCase(Locale.ROOT);
      if (HTTP.contains(v)) {
        return Protocol.HTTP;
      }
      if (UDP.equals(v)) {
        // A TCP port cannot carry UDP; the Service's own protocol field says how it is reached.
        problems.add(
            new Problem(
                "Service",
                svc.getMetadata().getNamespace(),
                svc.getMetadata().getName(),
                "spec.ports[" + index + "].appProtocol",
                "appProtocol 'udp' on a TCP port; the port is relayed as tcp (set protocol: UDP)",
                ProblemReason.INVALID_SPEC));
      }
      return Protocol.TCP;
    }
    String name = sp.getName();
    if (name != null && !name.isEmpty()) {
      int dash = name.indexOf('-');
      String prefix = (dash < 0 ? name : name.substring(0, dash)).toLowerCase(Locale.ROOT);
      if (name.toLowerCase(Locale.ROOT).startsWith("grpc-web")) {
        return Protocol.HTTP;
      }
      if (HTTP.contains(prefix)) {
        return Protocol.HTTP;
      }
      if (TCP.contains(prefix) || UDP.equals(prefix)) {
        // "udp-" on a TCP port: the Service's protocol field wins, the port is TCP.
        return Protocol.TCP;
      }
    }
    return fallback;
  }
}
