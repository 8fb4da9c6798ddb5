package io.nodemesh.controller.identity;

import io.nodemesh.config.identity.EcKeys;
import io.nodemesh.config.identity.SpiffeId;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The mesh CA: an intermediate that signs workload certificates, under a root that signs only
 * intermediates. The root's key, when this controller has it at all, is used for nothing else; a
 * user or cert-manager may keep it elsewhere and hand over only the intermediate (docs/security.md,
 * "Workload identity").
 *
 * <p>Workload certificates follow the X.509-SVID profile (SPIFFE X509-SVID, sections 4 and 5):
 * exactly one URI SAN, the SPIFFE ID; an empty subject, so the SAN is critical (RFC 5280 section
 * 4.2.1.6); {@code digitalSignature} only; client and server authentication; not a CA.
 *
 * @param trusted the roots peers must trust: {@code root} and, while roots rotate, the other one
 */
public record MeshCa(
    String trustDomain,
    X509Certificate root,
    PrivateKey rootKey,
    X509Certificate intermediate,
    PrivateKey intermediateKey,
    List<X509Certificate> trusted) {

  public static final Duration ROOT_LIFETIME = Duration.ofDays(3650);
  public static final Duration INTERMEDIATE_LIFETIME = Duration.ofDays(365);

  /** An intermediate with less than this left is replaced on start (when the root key is here). */
  public static final Duration INTERMEDIATE_RENEW_BEFORE = Duration.ofDays(60);

  private static final SecureRandom RANDOM = new SecureRandom();

  public MeshCa {
    if (!SpiffeId.isTrustDomain(trustDomain)) {
      throw new IllegalArgumentException("CA trust domain '" + trustDomain + "' is not valid");
    }
    Objects.requireNonNull(intermediate, "CA intermediate certificate");
    Objects.requireNonNull(intermediateKey, "CA intermediate key");
    trusted = List.copyOf(trusted);
    if (trusted.isEmpty() || trusted.size() > 2) {
      throw new IllegalArgumentException(
          "the trust bundle holds " + trusted.size() + " roots; it must hold one or two");
    }
  }

  /** A new root and intermediate for {@code trustDomain}, valid from {@code now}. */
  public static MeshCa create(String trustDomain, Instant now) {
    KeyPair root = EcKeys.generate();
    X509Certificate rootCert =
        sign(
            caBuilder(
                new X500Principal("O=nodemesh, CN=nodemesh root " + trustDomain),
                new X500Principal("O=nodemesh, CN=nodemesh root " + trustDomain),
                root.getPublic(),
                null,
                now,
                ROOT_LIFETIME,
                -1),
            root.getPrivate());
    MeshCa first =
        new MeshCa(
            trustDomain,
            rootCert,
            root.getPrivate(),
            rootCert,
            root.getPrivate(),
            List.of(rootCert));
    return first.withNewIntermediate(now);
  }

  /**
   * This CA with a new intermediate signed by the root's key: on first start, and before the old
   * intermediate runs out.
   *
   * @throws IllegalStateException when this controller does not hold the root's key
   */
  public MeshCa withNewIntermediate(Instant now) {
    if (rootKey == null) {
      throw new IllegalStateException(
          "the root key is not in the CA Secret: renew the intermediate where the root is kept");
    }
    KeyPair key = EcKeys.generate();
    Instant end = earlier(now.plus(INTERMEDIATE_LIFETIME), root.getNotAfter().toInstant());
    X509Certificate cert =
        sign(
            caBuilder(
                root.getSubjectX500Principal(),
                new X500Principal("O=nodemesh, CN=nodemesh intermediate " + trustDomain),
                key.getPublic(),
                root,
                now,
                Duration.between(now, end),
                0),
            rootKey);
    List<X509Certificate> bundle = trusted.contains(root) ? trusted : List.of(root);
    return new MeshCa(trustDomain, root, rootKey, cert, key.getPrivate(), bundle);
  }

  /** Never the keys: a record's default would print them into a log. */
  @Override
  public String toString() {
    return "MeshCa["
        + trustDomain
        + ", intermediate "
        + intermediate.getSubjectX500Principal()
        + "]";
  }

  /** The certificates a peer sends after its own: the intermediate. */
  public List<X509Certificate> chainAboveLeaf() {
    return List.of(intermediate);
  }

  /**
   * A workload certificate for {@code id} on {@code key}, valid from {@code notBefore} (the caller
   * backdates it) to {@code notAfter}, cut to the intermediate's own end.
   */
  public X509Certificate issue(SpiffeId id, PublicKey key, Instant notBefore, Instant notAfter) {
    if (!id.trustDomain().equals(trustDomain)) {
      throw new IllegalArgumentException(id + " is not in trust domain " + trustDomain);
    }
    Instant end = earlier(notAfter, intermediate.getNotAfter().toInstant());
    try {
      X509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
              X500Name.getInstance(intermediate.getSubjectX500Principal().getEncoded()),
              serial(),
              Date.from(notBefore),
              Date.from(end),
              new X500Name(new org.bouncycastle.asn1.x500.RDN[0]),
              key);
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
      b.addExtension(
          Extension.extendedKeyUsage,
          false,
          new ExtendedKeyUsage(
              new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
      b.addExtension(
          Extension.subjectAlternativeName,
          true,
          new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, id.uri())));
      b.addExtension(
          Extension.authorityKeyIdentifier,
          false,
          ext.createAuthorityKeyIdentifier(intermediate.getPublicKey()));
      return sign(b, intermediateKey);
    } catch (CertIOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot build a workload certificate: " + e.getMessage(), e);
    }
  }

  private static X509v3CertificateBuilder caBuilder(
      X500Principal issuer,
      X500Principal subject,
      PublicKey key,
      X509Certificate issuerCert,
      Instant now,
      Duration lifetime,
      int pathLength) {
    try {
      X509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
              issuer, serial(), Date.from(now), Date.from(now.plus(lifetime)), subject, key);
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      b.addExtension(
          Extension.basicConstraints,
          true,
          pathLength < 0 ? new BasicConstraints(true) : new BasicConstraints(pathLength));
      b.addExtension(
          Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(key));
      b.addExtension(
          Extension.authorityKeyIdentifier,
          false,
          ext.createAuthorityKeyIdentifier(issuerCert == null ? key : issuerCert.getPublicKey()));
      return b;
    } catch (CertIOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot build a CA certificate: " + e.getMessage(), e);
    }
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey key) {
    try {
      return new JcaX509CertificateConverter()
          .getCertificate(b.build(new JcaContentSignerBuilder(EcKeys.SIGNATURE).build(key)));
    } catch (OperatorCreationException | java.security.cert.CertificateException e) {
      throw new IllegalStateException("cannot sign a certificate: " + e.getMessage(), e);
    }
  }

  /** 127 random bits, positive: unique and at most 20 octets (RFC 5280 section 4.1.2.2). */
  private static BigInteger serial() {
    return new BigInteger(127, RANDOM).add(BigInteger.ONE);
  }

  private static Instant earlier(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }
}
