package io.nodemesh.controller.api;

import io.helidon.common.configurable.Resource;
import io.helidon.common.pki.Keys;
import io.helidon.common.tls.Tls;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * The controller API's serving certificate: a PEM certificate chain (the serving certificate first,
 * as in a Kubernetes {@code kubernetes.io/tls} Secret's {@code tls.crt}) and its PEM private key
 * (PKCS#1 or PKCS#8, RSA or EC: what Helm's {@code genSignedCert} and cert-manager write). Proxies
 * pin the CA that signed it ({@code nodemesh proxy --controller-ca}).
 *
 * @param certChain the {@code tls.crt} file
 * @param key the {@code tls.key} file
 */
public record ApiTls(Path certChain, Path key) {
  public ApiTls {
    if (certChain == null || key == null) {
      throw new IllegalArgumentException("ApiTls needs both a certificate chain and a key file");
    }
  }

  /**
   * The server-side TLS of Helidon's listener (TLS 1.3 and 1.2, the JDK's defaults).
   *
   * @throws IllegalArgumentException naming the file that cannot be read or holds no usable PEM
   */
  public Tls serverTls() {
    for (Path p : List.of(certChain, key)) {
      if (!Files.isReadable(p)) {
        throw new IllegalArgumentException("TLS file '" + p + "' is not readable");
      }
    }
    Keys keys;
    try {
      keys =
          Keys.builder()
              .pem(pem -> pem.key(Resource.create(key)).certChain(Resource.create(certChain)))
              .build();
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "cannot read the TLS key '"
              + key
              + "' or certificate '"
              + certChain
              + "': "
              + e.getMessage(),
          e);
    }
    PrivateKey privateKey =
        keys.privateKey()
            .orElseThrow(() -> new IllegalArgumentException("no PEM private key in '" + key + "'"));
    List<X509Certificate> chain = keys.certChain();
    if (chain.isEmpty()) {
      throw new IllegalArgumentException("no PEM certificate in '" + certChain + "'");
    }
    return Tls.builder().privateKey(privateKey).privateKeyCertChain(chain).build();
  }
}
