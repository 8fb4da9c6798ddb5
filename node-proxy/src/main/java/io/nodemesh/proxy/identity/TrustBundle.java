package io.nodemesh.proxy.identity;

import io.nodemesh.config.identity.Pem;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * The roots a proxy trusts: self-signed CA certificates, one, or two while the mesh's root rotates
 * (docs/security.md, "Rotating the root"). On the wire: concatenated PEM {@code CERTIFICATE}
 * blocks.
 *
 * @param trustDomain the SPIFFE trust domain peers must belong to; empty before the first answer
 */
public record TrustBundle(String trustDomain, List<X509Certificate> roots) {
  private static final TrustBundle EMPTY = new TrustBundle("", List.of());

  public TrustBundle {
    trustDomain = trustDomain == null ? "" : trustDomain;
    roots = List.copyOf(roots);
    if (roots.size() > 2) {
      throw new IllegalArgumentException(
          "a trust bundle holds one or two roots, not " + roots.size());
    }
  }

  /** No roots: verifies nobody. */
  public static TrustBundle empty() {
    return EMPTY;
  }

  /** Reads the wire format. */
  public static TrustBundle parsePem(String trustDomain, String pem) {
    return new TrustBundle(trustDomain, Pem.readCertificates(pem));
  }

  public String toPem() {
    return Pem.certificates(roots);
  }

  public boolean isEmpty() {
    return roots.isEmpty();
  }

  /** The roots as an array, the shape Netty's {@code SslContextBuilder.trustManager} takes. */
  public X509Certificate[] rootsArray() {
    return roots.toArray(new X509Certificate[0]);
  }
}
