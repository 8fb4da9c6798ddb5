package io.nodemesh.dns;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * What the cluster DNS needs to know to send {@code *.<domain>} queries to Nodemesh.
 *
 * @param domain the mesh DNS suffix, e.g. {@code mesh} (lower case, no trailing dot)
 * @param upstreamAddress IP literal of the server that answers the mesh zone; CoreDNS's {@code
 *     forward} plugin takes addresses only, never host names
 * @param upstreamPort its DNS port
 */
public record MeshDnsSettings(String domain, String upstreamAddress, int upstreamPort) {
  public static final int DNS_PORT = 53;

  // RFC 1123 labels, lower case because CoreDNS zone names in a Corefile are compared as written.
  private static final Pattern DOMAIN =
      Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");
  private static final Pattern IPV4 =
      Pattern.compile(
          "((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");
  private static final Pattern IPV6_CHARS = Pattern.compile("[0-9a-fA-F:.]+");

  public MeshDnsSettings {
    if (domain == null || domain.length() > 253 || !DOMAIN.matcher(domain).matches()) {
      throw new IllegalArgumentException(
          "MeshDnsSettings.domain: '" + domain + "' is not a lower-case DNS name like 'mesh'");
    }
    if (upstreamAddress == null || !isIpLiteral(upstreamAddress)) {
      throw new IllegalArgumentException(
          "MeshDnsSettings.upstreamAddress: '"
              + upstreamAddress
              + "' is not an IPv4 or IPv6 address");
    }
    if (upstreamPort < 1 || upstreamPort > 65535) {
      throw new IllegalArgumentException(
          "MeshDnsSettings.upstreamPort: " + upstreamPort + " is not a port (1-65535)");
    }
  }

  /** Settings with the standard DNS port. */
  public MeshDnsSettings(String domain, String upstreamAddress) {
    this(domain, upstreamAddress, DNS_PORT);
  }

  /** The zone as CoreDNS writes it, with the trailing dot: {@code mesh.}. */
  public String zone() {
    return domain + ".";
  }

  /**
   * The upstream as CoreDNS's {@code forward} expects it: {@code 10.0.0.10}, {@code
   * [fd00::a]:5353}.
   */
  public String upstream() {
    boolean v6 = upstreamAddress.indexOf(':') >= 0;
    if (upstreamPort == DNS_PORT) {
      return upstreamAddress;
    }
    return (v6 ? "[" + upstreamAddress + "]" : upstreamAddress) + ":" + upstreamPort;
  }

  private static boolean isIpLiteral(String s) {
    if (IPV4.matcher(s).matches()) {
      return true;
    }
    // Only characters of an IPv6 literal reach InetAddress, so this never triggers a DNS lookup.
    if (s.indexOf(':') < 0 || !IPV6_CHARS.matcher(s).matches()) {
      return false;
    }
    try {
      InetAddress.getByName(s);
      return true;
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
