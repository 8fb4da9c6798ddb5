package io.nodemesh.proxy.config;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Collection;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

/**
 * The TLS trust a proxy (or {@code nodemesh explain}) gives the controller: only the CA named on
 * the command line ({@code --controller-ca}), never the JDK's public roots, so a certificate for
 * the controller's name from any other CA (a public one, or the cluster's) is refused. Host names
 * are still checked against the certificate (RFC 9110 section 4.3.4), by the JDK's HTTP client.
 */
public final class ControllerTrust {
  private ControllerTrust() {}

  /**
   * The client a proxy talks to the controller with (config, traffic reports): HTTP/1.1, a short
   * connect timeout, and for an {@code https} controller {@code tls} (from {@link #pinned}), or the
   * JDK's trust when it is null. For an {@code http} controller the client gets a TLS context that
   * makes no connections ({@link #NONE}): otherwise the JDK's client sets up the default one, which
   * parses every CA certificate of the JDK's trust store (about 400 classes and a few MiB) for a
   * client that never speaks TLS.
   */
  public static HttpClient client(URI controller, SSLContext tls) {
    HttpClient.Builder b =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2));
    if ("http".equalsIgnoreCase(controller.getScheme())) {
      // Redirects are not followed (the default), so a plain client never reaches an https URL.
      b.sslContext(NONE).sslParameters(new SSLParameters());
    } else if (tls != null) {
      b.sslContext(tls);
    }
    return b.build();
  }

  /** A TLS context for a client that only speaks plain HTTP: every use of it fails. */
  static final SSLContext NONE = new SSLContext(new NoTls(), null, "none") {};

  private static final class NoTls extends SSLContextSpi {
    @Override
    protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom random) {
      throw refused();
    }

    @Override
    protected SSLSocketFactory engineGetSocketFactory() {
      throw refused();
    }

    @Override
    protected SSLServerSocketFactory engineGetServerSocketFactory() {
      throw refused();
    }

    @Override
    protected SSLEngine engineCreateSSLEngine() {
      throw refused();
    }

    @Override
    protected SSLEngine engineCreateSSLEngine(String host, int port) {
      throw refused();
    }

    @Override
    protected SSLSessionContext engineGetServerSessionContext() {
      throw refused();
    }

    @Override
    protected SSLSessionContext engineGetClientSessionContext() {
      throw refused();
    }

    private static UnsupportedOperationException refused() {
      return new UnsupportedOperationException("a client of an http:// controller speaks no TLS");
    }
  }

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
