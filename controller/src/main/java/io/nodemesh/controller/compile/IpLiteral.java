package io.nodemesh.controller.compile;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * Whether a string from the cluster is an IP address literal a proxy can connect to or identify a
 * peer by. The API server validates EndpointSlice addresses and pod IPs, but local mode's YAML is
 * not validated by anyone, and one bad address must not make the proxies reject a whole config
 * (issue 8). Never resolves a name.
 */
public final class IpLiteral {
  private static final String OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
  private static final Pattern V4 = Pattern.compile(OCTET + "(\\." + OCTET + "){3}");
  private static final Pattern V6_CHARS = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

  private IpLiteral() {}

  /**
   * True for a dotted-quad IPv4 address without leading zeros (as Kubernetes 1.30+ requires) or an
   * IPv6 address without a zone.
   */
  public static boolean valid(String s) {
    if (s == null) {
      return false;
    }
    if (V4.matcher(s).matches()) {
      return true;
    }
    if (!V6_CHARS.matcher(s).matches()) {
      return false;
    }
    try {
      // A string with a colon is parsed as an IPv6 literal, never looked up.
      return InetAddress.getByName(s) instanceof Inet6Address
          || s.regionMatches(true, 0, "::ffff:", 0, 7);
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
