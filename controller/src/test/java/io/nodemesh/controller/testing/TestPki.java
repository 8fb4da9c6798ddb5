package io.nodemesh.controller.testing;

import io.nodemesh.config.identity.EcKeys;
import io.nodemesh.config.identity.Pem;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequestBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/** Certificates for tests: a self-signed serving certificate for 127.0.0.1, and CSRs. */
public final class TestPki {
  private TestPki() {}

  /** A serving certificate for 127.0.0.1 written to {@code dir}/tls.crt and tls.key. */
  public static X509Certificate servingCertificate(Path dir) throws Exception {
    KeyPair key = EcKeys.generate();
    Instant now = Instant.now();
    var b =
        new JcaX509v3CertificateBuilder(
            new X500Principal("CN=nodemesh-controller"),
            BigInteger.valueOf(now.toEpochMilli()),
            Date.from(now.minus(Duration.ofMinutes(1))),
            Date.from(now.plus(Duration.ofDays(1))),
            new X500Principal("CN=nodemesh-controller"),
            key.getPublic());
    b.addExtension(
        Extension.subjectAlternativeName,
        false,
        new GeneralNames(new GeneralName(GeneralName.iPAddress, "127.0.0.1")));
    X509Certificate cert =
        new JcaX509CertificateConverter()
            .getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())));
    Files.writeString(dir.resolve("tls.crt"), Pem.certificates(List.of(cert)));
    Files.writeString(
        dir.resolve("tls.key"), Pem.encode("PRIVATE KEY", key.getPrivate().getEncoded()));
    return cert;
  }

  /** A client context that trusts only {@code cert}. */
  public static SSLContext trusting(X509Certificate cert) throws Exception {
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    store.load(null, null);
    store.setCertificateEntry("controller", cert);
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(store);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, tmf.getTrustManagers(), null);
    return context;
  }

  /** A PEM PKCS#10 request on {@code key}, with {@code subject} and, if not null, a URI SAN. */
  public static String csr(KeyPair key, String subject, String sanUri) throws Exception {
    PKCS10CertificationRequestBuilder b =
        new JcaPKCS10CertificationRequestBuilder(new X500Name(subject), key.getPublic());
    if (sanUri != null) {
      ExtensionsGenerator ext = new ExtensionsGenerator();
      ext.addExtension(
          Extension.subjectAlternativeName,
          false,
          new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, sanUri)));
      b.addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, ext.generate());
    }
    byte[] der =
        b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate()))
            .getEncoded();
    return Pem.encode("CERTIFICATE REQUEST", der);
  }
}
