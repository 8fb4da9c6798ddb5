package io.nodemesh.controller.common;

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

  /**
   * The canonical text of an address, for comparing addresses rather than strings: {@code
   * ::ffff:10.0.0.5} and {@code 10.0.0.5} are one address (RFC 4291 section 2.5.5.2), as are {@code
   * FD00::1} and {@code fd00:0:0:0:0:0:0:1}. Null when {@code s} is not {@link #valid}.
   */
  public static String canonical(String s) {
    if (!valid(s)) {
      return null;
    }
    try {
      // Valid means a literal: parsed, never looked up. The JDK already returns an IPv4-mapped
      // IPv6 address as the IPv4 address.
      return InetAddress.getByName(s).getHostAddress();
    } catch (UnknownHostException e) {
      return null;
    }
  }
}
