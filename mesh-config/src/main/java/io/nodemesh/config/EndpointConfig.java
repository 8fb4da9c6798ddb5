package io.nodemesh.config;

import com.fasterxml.jackson.annotation.JsonInclude;
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
 * @param proxyProtocol the pod's port asked for a PROXY protocol v2 header on each relayed TCP
 *     connection (annotation {@code nodemesh.io/proxy-protocol}); left out of the JSON when false
 */
public record EndpointConfig(
    String ip,
    int port,
    @Nullable String nodeName,
    boolean ready,
    boolean serving,
    boolean terminating,
    @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean proxyProtocol) {
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

  /** An endpoint whose port takes no PROXY protocol header. */
  public EndpointConfig(
      String ip,
      int port,
      @Nullable String nodeName,
      boolean ready,
      boolean serving,
      boolean terminating) {
    this(ip, port, nodeName, ready, serving, terminating, false);
  }

  /** This endpoint with the PROXY protocol v2 header switched on. */
  public EndpointConfig withProxyProtocol() {
    return new EndpointConfig(ip, port, nodeName, ready, serving, terminating, true);
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
