package io.nodemesh.proxy.identity;

import io.nodemesh.config.identity.SpiffeId;
import java.security.GeneralSecurityException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks a peer's certificate chain against a {@link TrustBundle} and says whose it is: PKIX path
 * validation (RFC 5280 section 6) at a given time, without revocation lists (revocation works at
 * config speed, issue 14), then the X.509-SVID rules (SPIFFE X509-SVID section 4): exactly one URI
 * SAN, a SPIFFE ID of the bundle's trust domain, and a leaf that is not a CA.
 */
public final class PeerVerifier {
  private static final int URI_SAN = 6;

  private PeerVerifier() {}

  /**
   * The identity of {@code chain} (leaf first, as TLS delivers it) if it verifies up to a root of
   * {@code bundle} at {@code now}.
   *
   * @throws CertificateException saying what is wrong
   */
  public static SpiffeId verify(List<X509Certificate> chain, TrustBundle bundle, Instant now)
      throws CertificateException {
    if (chain == null || chain.isEmpty()) {
      throw new CertificateException("no peer certificate");
    }
    if (bundle.isEmpty()) {
      throw new CertificateException("no trust bundle yet");
    }
    X509Certificate leaf = chain.get(0);
    if (leaf.getBasicConstraints() >= 0) {
      throw new CertificateException("the peer certificate is a CA certificate");
    }
    SpiffeId id = spiffeId(leaf);
    if (!id.trustDomain().equals(bundle.trustDomain())) {
      throw new CertificateException(
          id + " is not in this mesh's trust domain " + bundle.trustDomain());
    }
    Set<TrustAnchor> anchors = new HashSet<>();
    for (X509Certificate root : bundle.roots()) {
      anchors.add(new TrustAnchor(root, null));
    }
    // A peer may append the root; the path must end below it.
    List<X509Certificate> path = new ArrayList<>(chain);
    while (path.size() > 1 && bundle.roots().contains(path.get(path.size() - 1))) {
      path.remove(path.size() - 1);
    }
    try {
      PKIXParameters params = new PKIXParameters(anchors);
      params.setRevocationEnabled(false);
      params.setDate(Date.from(now));
      CertPathValidator.getInstance("PKIX")
          .validate(CertificateFactory.getInstance("X.509").generateCertPath(path), params);
    } catch (GeneralSecurityException e) {
      throw new CertificateException(
          "the chain of " + id + " does not verify: " + e.getMessage(), e);
    }
    return id;
  }

  /** The one URI SAN of {@code leaf}, read as a SPIFFE ID. */
  static SpiffeId spiffeId(X509Certificate leaf) throws CertificateException {
    Collection<List<?>> names;
    try {
      names = leaf.getSubjectAlternativeNames();
    } catch (CertificateParsingException e) {
      throw new CertificateException("unreadable subject alternative names", e);
    }
    List<String> uris = new ArrayList<>();
    if (names != null) {
      for (List<?> n : names) {
        if (n.size() == 2 && Integer.valueOf(URI_SAN).equals(n.get(0))) {
          uris.add(String.valueOf(n.get(1)));
        }
      }
    }
    if (uris.size() != 1) {
      throw new CertificateException(
          "a workload certificate has exactly one URI SAN, this one " + uris.size());
    }
    try {
      return SpiffeId.parse(uris.get(0));
    } catch (IllegalArgumentException e) {
      throw new CertificateException(e.getMessage(), e);
    }
  }
}
