package io.nodemesh.bench;

import io.nodemesh.config.identity.EcKeys;
import io.nodemesh.config.identity.SpiffeId;
import io.nodemesh.controller.identity.MeshCa;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Provider;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Key generation and certificate signing with the JDK's provider (SunEC) and BouncyCastle's, to
 * choose which one makes the proxy's keys and signs the CA's certificates (docs/benchmarks.md,
 * "Certificate issuance"). The X.509 structures are built with BouncyCastle's {@code bcpkix} either
 * way; only the cryptography moves.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class CryptoProviderBenchmark {
  @Param({"jdk", "bc"})
  public String provider;

  private MeshCa ca;
  private KeyPair leafKey;
  private KeyPairGenerator generator;
  private Provider jca;
  private long serial;

  @Setup
  public void setUp() throws Exception {
    jca = provider.equals("bc") ? new BouncyCastleProvider() : null;
    generator =
        jca == null ? KeyPairGenerator.getInstance("EC") : KeyPairGenerator.getInstance("EC", jca);
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    ca = MeshCa.create("bench.nodemesh", Instant.now());
    leafKey = EcKeys.generate();
  }

  /** A P-256 key pair, as the proxy makes one per certificate. */
  @Benchmark
  public KeyPair keyPair() {
    return generator.generateKeyPair();
  }

  /** Building and signing one workload certificate with the chosen provider. */
  @Benchmark
  public X509Certificate signLeaf() throws Exception {
    Instant now = Instant.now();
    JcaContentSignerBuilder signer = new JcaContentSignerBuilder(EcKeys.SIGNATURE);
    if (jca != null) {
      signer.setProvider(jca);
    }
    var b =
        new JcaX509v3CertificateBuilder(
            ca.intermediate(),
            BigInteger.valueOf(++serial),
            Date.from(now),
            Date.from(now.plus(Duration.ofHours(4))),
            new X500Name(new org.bouncycastle.asn1.x500.RDN[0]),
            leafKey.getPublic());
    b.addExtension(
        Extension.subjectAlternativeName,
        true,
        new GeneralNames(
            new GeneralName(
                GeneralName.uniformResourceIdentifier,
                new SpiffeId("bench.nodemesh", "ns", "sa").uri())));
    JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
    if (jca != null) {
      converter.setProvider(jca);
    }
    return converter.getCertificate(b.build(signer.build(ca.intermediateKey())));
  }
}
