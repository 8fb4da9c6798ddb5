package io.nodemesh.proxy.tunnel;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * SPIFFE IDs of service accounts ({@code spiffe://<trust domain>/ns/<ns>/sa/<sa>}, SPIFFE
 * X.509-SVID §2) and the SNI names that ask a destination proxy for one of them.
 */
final class Spiffe {
  /** RFC 5280 §4.2.1.6: the GeneralName tag of a uniformResourceIdentifier. */
  private static final int URI_NAME = 6;

  static final String SNI_SUFFIX = ".sa.nodemesh.invalid";

  private Spiffe() {}

  /** {@code spiffe://td/ns/x/sa/y} of account {@code x/y}. */
  static String uri(String trustDomain, String account) {
    int slash = account.indexOf('/');
    return "spiffe://"
        + trustDomain
        + "/ns/"
        + account.substring(0, slash)
        + "/sa/"
        + account.substring(slash + 1);
  }

  /**
   * The SNI host name that selects {@code account}'s certificate: {@code
   * <sa>.<ns>.sa.nodemesh.invalid}. A namespace is a DNS label and a service account name a DNS
   * subdomain (Kubernetes object names), so the namespace is the last label before the suffix and
   * the name cannot be mistaken for it. {@code .invalid} (RFC 6761 §6.4) can never resolve.
   */
  static String sni(String account) {
    int slash = account.indexOf('/');
    return (account.substring(slash + 1) + "." + account.substring(0, slash) + SNI_SUFFIX)
        .toLowerCase(Locale.ROOT);
  }

  /** The account an SNI name asks for, or null when it is not one of ours. */
  static String accountOfSni(String host) {
    if (host == null || host.length() > 253 || !host.endsWith(SNI_SUFFIX)) {
      return null;
    }
    String rest = host.substring(0, host.length() - SNI_SUFFIX.length());
    int dot = rest.lastIndexOf('.');
    if (dot <= 0 || dot == rest.length() - 1) {
      return null;
    }
    return rest.substring(dot + 1) + "/" + rest.substring(0, dot);
  }

  /**
   * The account named by the certificate's one SPIFFE URI SAN in {@code trustDomain}, or null when
   * it has none, several, or one of another trust domain (X.509-SVID §2: exactly one URI SAN).
   */
  static String accountOf(X509Certificate cert, String trustDomain) {
    Collection<List<?>> names;
    try {
      names = cert.getSubjectAlternativeNames();
    } catch (CertificateParsingException e) {
      return null;
    }
    if (names == null) {
      return null;
    }
    String uri = null;
    for (List<?> n : names) {
      if (n.size() >= 2 && Integer.valueOf(URI_NAME).equals(n.get(0))) {
        if (uri != null) {
          return null;
        }
        uri = String.valueOf(n.get(1));
      }
    }
    String prefix = "spiffe://" + trustDomain + "/ns/";
    if (uri == null || !uri.startsWith(prefix) || uri.length() > 512) {
      return null;
    }
    String[] parts = uri.substring(prefix.length()).split("/", -1);
    if (parts.length != 3 || !parts[1].equals("sa") || parts[0].isEmpty() || parts[2].isEmpty()) {
      return null;
    }
    return parts[0] + "/" + parts[2];
  }
}
