package io.nodemesh.proxy.balance;

import io.nodemesh.config.EndpointConfig;
import io.nodemesh.proxy.metrics.ObservedEndpoint;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * One endpoint to forward to, with its socket address resolved from the IP literal once per config
 * so the event loop never calls a resolver.
 *
 * @param authority {@code ip:port} (IPv6 bracketed); also the upstream pool key
 * @param address the resolved socket address
 * @param proxyProtocol a relayed TCP connection to it starts with a PROXY protocol v2 header
 */
public record Target(String authority, InetSocketAddress address, boolean proxyProtocol)
    implements ObservedEndpoint {
  public Target {
    Objects.requireNonNull(authority, "target authority");
    Objects.requireNonNull(address, "target address");
  }

  /** A target whose port takes no PROXY protocol header. */
  public Target(String authority, InetSocketAddress address) {
    this(authority, address, false);
  }

  /**
   * @throws IllegalArgumentException when the endpoint's IP is not an IP literal
   */
  public static Target of(EndpointConfig endpoint) {
    byte[] raw = io.netty.util.NetUtil.createByteArrayFromIpAddressString(endpoint.ip());
    if (raw == null) {
      throw new IllegalArgumentException(
          "endpoint " + endpoint.authority() + ": ip is not an IPv4 or IPv6 literal");
    }
    try {
      return new Target(
          endpoint.authority(),
          new InetSocketAddress(java.net.InetAddress.getByAddress(raw), endpoint.port()),
          endpoint.proxyProtocol());
    } catch (java.net.UnknownHostException e) {
      throw new IllegalArgumentException(
          "endpoint " + endpoint.authority() + ": " + e.getMessage(), e);
    }
  }
}
