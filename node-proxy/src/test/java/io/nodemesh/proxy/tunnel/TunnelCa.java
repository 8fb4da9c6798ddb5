package io.nodemesh.proxy.tunnel;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A test certificate authority for the tunnel (BouncyCastle): an EC P-256 root, and workload
 * certificates with one SPIFFE URI SAN, of any validity. Also a {@link TunnelCredentials} of
 * certificates it issued, for a proxy to hold.
 */
public final class TunnelCa {
  private static final AtomicLong SERIAL = new AtomicLong(System.nanoTime());

  final String trustDomain;
  final KeyPair rootKey;
  final X509Certificate root;

  private TunnelCa(String trustDomain) throws Exception {
    this.trustDomain = trustDomain;
    this.rootKey = ecKey();
    Instant now = Instant.now();
    X500Name name = new X500Name("CN=nodemesh test root " + trustDomain);
    JcaX509v3CertificateBuilder b =
        new JcaX509v3CertificateBuilder(
            name,
            BigInteger.valueOf(SERIAL.incrementAndGet()),
            Date.from(now.minus(Duration.ofHours(1))),
            Date.from(now.plus(Duration.ofDays(2))),
            name,
            rootKey.getPublic());
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
    b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    this.root = sign(b, rootKey.getPrivate());
  }

  public static TunnelCa create(String trustDomain) throws Exception {
    return new TunnelCa(trustDomain);
  }

  /** A certificate for {@code account} valid from an hour ago for {@code life}. */
  public TunnelCredentials.Identity issue(String account, Duration life) throws Exception {
    Instant now = Instant.now();
    return issue(account, now.minus(Duration.ofHours(1)), now.plus(life));
  }

  public TunnelCredentials.Identity issue(String account, Instant notBefore, Instant notAfter)
      throws Exception {
    KeyPair key = ecKey();
    JcaX509v3CertificateBuilder b =
        new JcaX509v3CertificateBuilder(
            new X500Name(root.getSubjectX500Principal().getName()),
            BigInteger.valueOf(SERIAL.incrementAndGet()),
            Date.from(notBefore),
            Date.from(notAfter),
            new X500Name("O=nodemesh"),
            key.getPublic());
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
    b.addExtension(
        Extension.keyUsage,
        true,
        new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
    b.addExtension(
        Extension.subjectAlternativeName,
        true,
        new GeneralNames(
            new GeneralName(
                GeneralName.uniformResourceIdentifier, Spiffe.uri(trustDomain, account))));
    return new TunnelCredentials.Identity(
        account, key.getPrivate(), List.of(sign(b, rootKey.getPrivate())));
  }

  /** Credentials of this CA's domain holding {@code identities}, trusting this CA's root. */
  public Held credentials(TunnelCredentials.Identity... identities) {
    Held h = new Held(trustDomain, List.of(root));
    for (TunnelCredentials.Identity i : identities) {
      h.put(i);
    }
    return h;
  }

  /** Mutable credentials: what a proxy holds now. */
  public static final class Held implements TunnelCredentials {
    private final String trustDomain;
    private final List<X509Certificate> roots;
    private final Map<String, Identity> held = new ConcurrentHashMap<>();

    Held(String trustDomain, List<X509Certificate> roots) {
      this.trustDomain = trustDomain;
      this.roots = roots;
    }

    public void put(Identity id) {
      held.put(id.account(), id);
    }

    @Override
    public String trustDomain() {
      return trustDomain;
    }

    @Override
    public Optional<Identity> identity(String account) {
      return Optional.ofNullable(held.get(account));
    }

    @Override
    public List<X509Certificate> roots() {
      return roots;
    }
  }

  private static KeyPair ecKey() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  private static X509Certificate sign(JcaX509v3CertificateBuilder b, PrivateKey key)
      throws Exception {
    return new JcaX509CertificateConverter()
        .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key)));
  }
}
