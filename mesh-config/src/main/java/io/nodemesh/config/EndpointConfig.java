package io.nodemesh.config;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One backend pod address, as an EndpointSlice lists it.
 *
 * @param ip the pod IP (IPv4 or IPv6 literal)
 * @param port the target port on the pod
 * @param nodeName the node the pod runs on, or null when the slice does not say
 * @param ready EndpointSlice condition {@code ready}
 * @param serving EndpointSlice condition {@code serving}
 * @param terminating EndpointSlice condition {@code terminating}
 */
public record EndpointConfig(
    String ip,
    int port,
    @Nullable String nodeName,
    boolean ready,
    boolean serving,
    boolean terminating) {
  public EndpointConfig {
    Objects.requireNonNull(ip, "endpoint ip");
    if (ip.isBlank()) {
      throw new IllegalArgumentException("endpoint ip is empty");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException(
          "endpoint " + ip + ": port " + port + " is not in 1..65535");
    }
  }

  /** A ready, serving, non-terminating endpoint. */
  public static EndpointConfig ready(String ip, int port) {
    return new EndpointConfig(ip, port, null, true, true, false);
  }

  /** The {@code ip:port} form, with brackets around IPv6 literals. */
  public String authority() {
    return ip.indexOf(':') >= 0 ? "[" + ip + "]:" + port : ip + ":" + port;
  }
}
