package io.nodemesh.proxy;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A self-signed certificate for {@code 127.0.0.1} made with the JDK's own {@code keytool}: a key
 * store for test servers and a trust store that trusts only that certificate.
 */
public final class TestCerts {
  static final char[] PASSWORD = "changeit".toCharArray();

  final Path keyStore;
  final Path trustStore;

  public TestCerts(Path dir) throws IOException, InterruptedException {
    keyStore = dir.resolve("backend.p12");
    trustStore = dir.resolve("trust.p12");
    Path cert = dir.resolve("backend.crt");
    keytool(
        "-genkeypair",
        "-alias",
        "backend",
        "-keyalg",
        "EC",
        "-groupname",
        "secp256r1",
        "-dname",
        "CN=backend",
        "-ext",
        "san=ip:127.0.0.1",
        "-validity",
        "2",
        "-storetype",
        "PKCS12",
        "-keystore",
        keyStore.toString(),
        "-storepass",
        "changeit",
        "-keypass",
        "changeit");
    keytool(
        "-exportcert",
        "-alias",
        "backend",
        "-keystore",
        keyStore.toString(),
        "-storepass",
        "changeit",
        "-file",
        cert.toString());
    keytool(
        "-importcert",
        "-noprompt",
        "-alias",
        "backend",
        "-file",
        cert.toString(),
        "-storetype",
        "PKCS12",
        "-keystore",
        trustStore.toString(),
        "-storepass",
        "changeit");
  }

  private static void keytool(String... args) throws IOException, InterruptedException {
    List<String> cmd = new java.util.ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException("keytool " + args[0] + " failed: " + out);
    }
  }

  public KeyManagerFactory keyManagers() throws IOException, GeneralSecurityException {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keyStore)) {
      ks.load(in, PASSWORD);
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, PASSWORD);
    return kmf;
  }

  public SSLContext serverContext() throws IOException, GeneralSecurityException {
    SSLContext c = SSLContext.getInstance("TLS");
    c.init(keyManagers().getKeyManagers(), null, null);
    return c;
  }

  /**
   * An HTTP/1.1-only TLS server on 127.0.0.1 with this certificate, answering {@code tls HTTP/1.1}
   * (the protocol it served) to every request.
   */
  public HttpsServer http11Backend() throws IOException, GeneralSecurityException {
    HttpsServer s = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    s.setHttpsConfigurator(new HttpsConfigurator(serverContext()));
    s.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    s.createContext(
        "/",
        ex -> {
          byte[] b = ("tls " + ex.getProtocol()).getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(200, b.length);
          ex.getResponseBody().write(b);
          ex.close();
        });
    s.start();
    return s;
  }

  /**
   * Points the JDK's default trust store (which the proxy's upstream TLS uses) at this certificate
   * alone, until the returned handle is closed.
   */
  public AutoCloseable trustedByDefault() {
    String saved = System.getProperty("javax.net.ssl.trustStore");
    String savedPassword = System.getProperty("javax.net.ssl.trustStorePassword");
    System.setProperty("javax.net.ssl.trustStore", trustStore.toString());
    System.setProperty("javax.net.ssl.trustStorePassword", "changeit");
    return () -> {
      restore("javax.net.ssl.trustStore", saved);
      restore("javax.net.ssl.trustStorePassword", savedPassword);
    };
  }

  private static void restore(String name, String value) {
    if (value == null) {
      System.clearProperty(name);
    } else {
      System.setProperty(name, value);
    }
  }
}
