package io.nodemesh.controller.tap;

import io.helidon.common.configurable.Resource;
import io.helidon.common.pki.Keys;
import io.nodemesh.config.tap.TapGrant;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Signs {@link TapGrant}s with the key of the controller's serving certificate, the one identity
 * the proxies already pin (they trust only its CA and check its name for the config channel). No
 * new secret exists for taps, and a proxy holds nothing that could sign one.
 */
public final class TapSigner {
  private final PrivateKey key;
  private final String algorithm;
  private final String certificate;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();

  TapSigner(PrivateKey key, X509Certificate cert, Clock clock) {
    this.key = key;
    this.algorithm = TapGrant.algorithm(key);
    this.clock = clock;
    try {
      this.certificate = Base64.getEncoder().encodeToString(cert.getEncoded());
    } catch (CertificateEncodingException e) {
      throw new IllegalArgumentException("cannot encode the controller certificate", e);
    }
  }

  /**
   * The signer for the controller's TLS files (the chart's {@code tls.crt} and {@code tls.key}).
   *
   * @throws IllegalArgumentException when they hold no usable key or certificate
   */
  public static TapSigner load(Path certChain, Path keyFile) {
    Keys keys;
    try {
      keys =
          Keys.builder()
              .pem(pem -> pem.key(Resource.create(keyFile)).certChain(Resource.create(certChain)))
              .build();
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("cannot read the TLS key for tap grants", e);
    }
    PrivateKey key =
        keys.privateKey()
            .orElseThrow(() -> new IllegalArgumentException("no private key in " + keyFile));
    List<X509Certificate> chain = keys.certChain();
    if (chain.isEmpty()) {
      throw new IllegalArgumentException("no certificate in " + certChain);
    }
    return new TapSigner(key, chain.getFirst(), Clock.systemUTC());
  }

  /** The two headers that let this controller open a tap with {@code rawQuery} on {@code host}. */
  public Map<String, String> headers(String host, String rawQuery) {
    TapGrant grant =
        new TapGrant(
            host,
            clock.instant().getEpochSecond() + TapGrant.LIFETIME_SECONDS,
            TapGrant.nonce(random),
            rawQuery);
    try {
      Signature s = Signature.getInstance(algorithm);
      s.initSign(key);
      s.update(grant.payload());
      return Map.of(
          TapGrant.GRANT_HEADER, grant.header(s.sign()), TapGrant.SIGNER_HEADER, certificate);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign a tap grant", e);
    }
  }
}
