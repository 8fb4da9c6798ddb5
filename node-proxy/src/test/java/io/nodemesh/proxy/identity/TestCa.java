package io.nodemesh.proxy.identity;

import io.nodemesh.config.identity.CertificateResponse;
import io.nodemesh.config.identity.EcKeys;
import io.nodemesh.config.identity.Pem;
import io.nodemesh.config.identity.SpiffeId;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;

/**
 * A root and an intermediate for proxy tests, shaped like the controller's CA (which is tested
 * against the real CSR endpoint in the controller module). {@link #source} answers CSRs as the CA
 * does: the CSR's key, the SPIFFE ID of the account asked for.
 */
public final class TestCa {
  private static final AtomicLong SERIAL = new AtomicLong(1);
  private final String trustDomain;
  private final KeyPair rootKey;
  private final X509Certificate root;
  private final KeyPair intermediateKey;
  private final X509Certificate intermediate;

  private TestCa(String trustDomain, Instant from) throws Exception {
    this.trustDomain = trustDomain;
    rootKey = EcKeys.generate();
    X500Principal rootName = new X500Principal("CN=test root " + trustDomain + " " + SERIAL.get());
    root = ca(rootName, rootName, rootKey.getPublic(), rootKey, from, -1);
    intermediateKey = EcKeys.generate();
    intermediate =
        ca(
            rootName,
            new X500Principal("CN=test intermediate " + trustDomain),
            intermediateKey.getPublic(),
            rootKey,
            from,
            0);
  }

  public static TestCa create(String trustDomain) throws Exception {
    return new TestCa(trustDomain, Instant.now().minus(Duration.ofDays(1)));
  }

  public TrustBundle bundle() {
    return new TrustBundle(trustDomain, List.of(root));
  }

  public X509Certificate root() {
    return root;
  }

  /** A workload certificate for {@code id} valid from now for {@code lifetime}. */
  public WorkloadCertificate issue(SpiffeId id, Duration lifetime) throws Exception {
    Instant now = Instant.now();
    return issueWithClock(id, now.minus(Duration.ofMinutes(5)), now.plus(lifetime));
  }

  public WorkloadCertificate issueWithClock(SpiffeId id, Instant notBefore, Instant notAfter)
      throws Exception {
    KeyPair key = EcKeys.generate();
    return WorkloadCertificate.of(
        id,
        key.getPrivate(),
        List.of(sign(id.uri(), key.getPublic(), notBefore, notAfter), intermediate));
  }

  /** A leaf with URI SAN {@code uri} on {@code key}. */
  public X509Certificate sign(String uri, PublicKey key, Instant notBefore, Instant notAfter)
      throws Exception {
    return sign(
        new GeneralName(GeneralName.uniformResourceIdentifier, uri), key, notBefore, notAfter);
  }

  /**
   * A TLS server certificate for the address {@code ip} on {@code key}, for a day either way; with
   * {@link #intermediate} its chain up to {@link #root}.
   */
  public X509Certificate serving(String ip, PublicKey key) throws Exception {
    Instant now = Instant.now();
    return sign(
        new GeneralName(GeneralName.iPAddress, ip),
        key,
        now.minus(Duration.ofDays(1)),
        now.plus(Duration.ofDays(1)));
  }

  public X509Certificate intermediate() {
    return intermediate;
  }

  private X509Certificate sign(GeneralName san, PublicKey key, Instant notBefore, Instant notAfter)
      throws Exception {
    X509v3CertificateBuilder b =
        new JcaX509v3CertificateBuilder(
            intermediate.getSubjectX500Principal(),
            BigInteger.valueOf(SERIAL.incrementAndGet()),
            Date.from(notBefore),
            Date.from(notAfter),
            new X500Principal(""),
            key);
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
    b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
    b.addExtension(Extension.subjectAlternativeName, true, new GeneralNames(san));
    return new JcaX509CertificateConverter()
        .getCertificate(
            b.build(
                new JcaContentSignerBuilder(EcKeys.SIGNATURE).build(intermediateKey.getPrivate())));
  }

  /** Answers CSRs as the controller's CA does, for {@code lifetime}, on {@code clock}. */
  public CertificateSource source(InstantSource clock, Duration lifetime) {
    return req -> {
      try {
        PublicKey key =
            new JcaPKCS10CertificationRequest(Pem.decode(req.csr(), "CERTIFICATE REQUEST").get(0))
                .getPublicKey();
        SpiffeId id = new SpiffeId(trustDomain, req.namespace(), req.serviceAccount());
        Instant now = clock.instant();
        X509Certificate leaf =
            sign(id.uri(), key, now.minus(Duration.ofMinutes(5)), now.plus(lifetime));
        return new CertificateResponse(
            id.uri(),
            Pem.certificates(List.of(leaf, intermediate)),
            Pem.certificates(List.of(root)));
      } catch (Exception e) {
        throw new java.io.IOException(e);
      }
    };
  }

  private static X509Certificate ca(
      X500Principal issuer,
      X500Principal subject,
      PublicKey key,
      KeyPair signer,
      Instant from,
      int pathLen)
      throws Exception {
    X509v3CertificateBuilder b =
        new JcaX509v3CertificateBuilder(
            X500Name.getInstance(issuer.getEncoded()),
            BigInteger.valueOf(SERIAL.incrementAndGet()),
            Date.from(from),
            Date.from(from.plus(Duration.ofDays(3650))),
            X500Name.getInstance(subject.getEncoded()),
            key);
    b.addExtension(
        Extension.basicConstraints,
        true,
        pathLen < 0 ? new BasicConstraints(true) : new BasicConstraints(pathLen));
    b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    return new JcaX509CertificateConverter()
        .getCertificate(
            b.build(new JcaContentSignerBuilder(EcKeys.SIGNATURE).build(signer.getPrivate())));
  }
}
