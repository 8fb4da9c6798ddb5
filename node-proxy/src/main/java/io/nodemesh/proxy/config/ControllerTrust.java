package io.nodemesh.proxy.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The TLS trust a proxy (or {@code nodemesh explain}) gives the controller: only the CA named on
 * the command line ({@code --controller-ca}), never the JDK's public roots, so a certificate for
 * the controller's name from any other CA (a public one, or the cluster's) is refused. Host names
 * are still checked against the certificate (RFC 9110 section 4.3.4), by {@link ControllerHttp}.
 */
public final class ControllerTrust {
  private ControllerTrust() {}

  /**
   * An {@link SSLContext} that trusts exactly the certificates of {@code caPem} (one or more PEM
   * {@code CERTIFICATE} blocks, e.g. the chart Secret's {@code ca.crt}).
   *
   * @throws IllegalArgumentException naming the file when it cannot be read or holds no certificate
   */
  public static SSLContext pinned(Path caPem) {
    Collection<? extends Certificate> cas;
    try (InputStream in = Files.newInputStream(caPem)) {
      cas = CertificateFactory.getInstance("X.509").generateCertificates(in);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "cannot read the controller CA '" + caPem + "': " + e.getMessage(), e);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(
          "the controller CA '" + caPem + "' is not a PEM certificate: " + e.getMessage(), e);
    }
    if (cas.isEmpty()) {
      throw new IllegalArgumentException("the controller CA '" + caPem + "' holds no certificate");
    }
    try {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      int i = 0;
      for (Certificate ca : cas) {
        store.setCertificateEntry("controller-ca-" + i++, ca);
      }
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(store);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, tmf.getTrustManagers(), null);
      return context;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot build a TLS context: " + e.getMessage(), e);
    }
  }
}
