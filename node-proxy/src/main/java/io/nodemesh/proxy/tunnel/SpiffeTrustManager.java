package io.nodemesh.proxy.tunnel;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Verifies a tunnel peer: its chain up to one of the mesh's roots at the current time (RFC 5280 §6,
 * no revocation lists: revocation works at config speed, issue 14), then its one SPIFFE ID, which
 * must be in this mesh's trust domain and, on the caller's side, the destination account the caller
 * asked for by SNI. Host names play no part.
 */
final class SpiffeTrustManager extends X509ExtendedTrustManager {
  private final Set<TrustAnchor> anchors;
  private final String trustDomain;
  private final String expected;
  private final Clock clock;

  /**
   * @param expected the account the peer must be, or null to accept any account of the domain (the
   *     destination side, which decides per request what the account may do)
   */
  SpiffeTrustManager(
      List<X509Certificate> roots, String trustDomain, String expected, Clock clock) {
    Set<TrustAnchor> a = new HashSet<>();
    for (X509Certificate r : roots) {
      a.add(new TrustAnchor(r, null));
    }
    this.anchors = Set.copyOf(a);
    this.trustDomain = trustDomain;
    this.expected = expected;
    this.clock = clock;
  }

  /** The account the chain proves, after the checks above. */
  String verify(X509Certificate[] chain) throws CertificateException {
    if (chain == null || chain.length == 0) {
      throw new CertificateException("the peer sent no certificate");
    }
    if (anchors.isEmpty()) {
      throw new CertificateException("no trust anchors yet");
    }
    try {
      PKIXParameters params = new PKIXParameters(anchors);
      params.setRevocationEnabled(false);
      params.setDate(Date.from(clock.instant()));
      CertPathValidator.getInstance("PKIX")
          .validate(
              CertificateFactory.getInstance("X.509").generateCertPath(List.of(chain)), params);
    } catch (GeneralSecurityException e) {
      throw new CertificateException("peer chain does not verify: " + e.getMessage(), e);
    }
    String account = Spiffe.accountOf(chain[0], trustDomain);
    if (account == null) {
      throw new CertificateException(
          "peer certificate has no single SPIFFE ID in trust domain " + trustDomain);
    }
    if (expected != null && !expected.equals(account)) {
      throw new CertificateException(
          "peer is "
              + account
              + ", expected "
              + expected
              + " ("
              + Spiffe.uri(trustDomain, expected)
              + ")");
    }
    return account;
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    verify(chain);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    verify(chain);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    verify(chain);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    verify(chain);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    verify(chain);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    verify(chain);
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return anchors.stream().map(TrustAnchor::getTrustedCert).toArray(X509Certificate[]::new);
  }
}
