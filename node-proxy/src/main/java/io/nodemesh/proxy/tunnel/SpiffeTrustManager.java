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
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Verifies a tunnel peer: its chain up to one of the mesh's roots at the current time (RFC 5280 §6,
 * no revocation lists: revocation works at config speed, issue 14), then its one SPIFFE ID, which
 * must be in this mesh's trust domain and, on the caller's side, the destination account the caller
 * asked for by SNI. Host names play no part.
 *
 * <p>The roots are read again at every handshake: a TLS context (and this trust manager with it)
 * lives as long as its own leaf certificate, and a root rotation (a two-root bundle, issue 14) must
 * be trusted from the moment the bundle changes, not from this proxy's next leaf.
 */
final class SpiffeTrustManager extends X509ExtendedTrustManager {
  private final Supplier<List<X509Certificate>> roots;
  private final String trustDomain;
  private final String expected;
  private final Clock clock;

  /** The anchors made from the roots last read; rebuilt when the roots change. */
  private volatile Anchors anchors = new Anchors(List.of(), Set.of());

  private record Anchors(List<X509Certificate> source, Set<TrustAnchor> set) {}

  /**
   * Chains that passed the path validation, with the anchors they passed against and the time span
   * in which every certificate of the chain is valid. Path validation without revocation (RFC 5280
   * §6.1) depends on nothing else than the chain, the anchors and the time, so an identical chain
   * against the same anchors within that span passes again: a peer connecting anew with the
   * certificate it showed before (every new tunnel connection to or from a node whose certificates
   * have not rotated) costs no signature check in Java on the handshake's critical path. Only
   * successes are kept, at most {@link #MAX_VERIFIED} (then the map starts over): a chain gets in
   * only by verifying against the mesh's roots.
   */
  private final Map<List<X509Certificate>, Verified> verified = new ConcurrentHashMap<>();

  static final int MAX_VERIFIED = 256;

  private record Verified(Anchors anchors, long notBefore, long notAfter) {}

  /**
   * @param expected the account the peer must be, or null to accept any account of the domain (the
   *     destination side, which decides per request what the account may do)
   */
  SpiffeTrustManager(
      List<X509Certificate> roots, String trustDomain, String expected, Clock clock) {
    this(() -> roots, trustDomain, expected, clock);
  }

  /** As above, with the roots read from {@code roots} at every handshake. */
  SpiffeTrustManager(
      Supplier<List<X509Certificate>> roots, String trustDomain, String expected, Clock clock) {
    this.roots = roots;
    this.trustDomain = trustDomain;
    this.expected = expected;
    this.clock = clock;
  }

  /** The anchors of the roots as they are now. */
  private Anchors anchors() {
    List<X509Certificate> now = roots.get();
    Anchors a = anchors;
    // By content: a credentials object may hand out the same list, changed in place.
    if (!a.source().equals(now)) {
      Set<TrustAnchor> set = new HashSet<>();
      for (X509Certificate r : now) {
        set.add(new TrustAnchor(r, null));
      }
      a = new Anchors(List.copyOf(now), Set.copyOf(set));
      anchors = a;
    }
    return a;
  }

  /** The account the chain proves, after the checks above. */
  String verify(X509Certificate[] chain) throws CertificateException {
    if (chain == null || chain.length == 0) {
      throw new CertificateException("the peer sent no certificate");
    }
    Anchors anchors = anchors();
    if (anchors.set().isEmpty()) {
      throw new CertificateException("no trust anchors yet");
    }
    List<X509Certificate> path = List.of(chain);
    long now = clock.millis();
    Verified known = verified.get(path);
    if (known == null
        || known.anchors() != anchors
        || now < known.notBefore()
        || now > known.notAfter()) {
      validate(path, anchors, now);
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

  /** RFC 5280 path validation of {@code path} at {@code now}; remembered when it passes. */
  private void validate(List<X509Certificate> path, Anchors anchors, long now)
      throws CertificateException {
    try {
      PKIXParameters params = new PKIXParameters(anchors.set());
      params.setRevocationEnabled(false);
      params.setDate(new Date(now));
      CertPathValidator.getInstance("PKIX")
          .validate(CertificateFactory.getInstance("X.509").generateCertPath(path), params);
    } catch (GeneralSecurityException e) {
      throw new CertificateException("peer chain does not verify: " + e.getMessage(), e);
    }
    long notBefore = Long.MIN_VALUE;
    long notAfter = Long.MAX_VALUE;
    for (X509Certificate c : path) {
      notBefore = Math.max(notBefore, c.getNotBefore().getTime());
      notAfter = Math.min(notAfter, c.getNotAfter().getTime());
    }
    if (verified.size() >= MAX_VERIFIED) {
      verified.clear();
    }
    verified.put(path, new Verified(anchors, notBefore, notAfter));
  }

  /** How many verified chains are remembered (tests). */
  int remembered() {
    return verified.size();
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

  /**
   * None: a TLS context reads the list once, when it is made (BoringSSL sends it as the server's
   * certificate authorities, RFC 8446 §4.2.4), so after a rotation it would name only the old root
   * and a peer whose chain ends at the new one could choose not to send a certificate at all.
   * Without a list the peer sends its one certificate, and {@link #verify} decides.
   */
  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return new X509Certificate[0];
  }
}
