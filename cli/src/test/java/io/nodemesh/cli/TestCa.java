package io.nodemesh.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A CA and a serving certificate it signed for {@code 127.0.0.1} and {@code localhost}, made with
 * the JDK's {@code keytool}, written as the chart's TLS Secret holds them: {@code ca.crt}, {@code
 * tls.crt} and {@code tls.key} (an RSA key in PKCS#1 PEM, as Helm's {@code genSignedCert} writes).
 */
final class TestCa {
  private static final String PASS = "changeit";

  final Path caCert;
  final Path tlsCert;
  final Path tlsKey;

  TestCa(Path dir, String name) throws IOException, InterruptedException, GeneralSecurityException {
    Files.createDirectories(dir);
    Path caStore = dir.resolve(name + "-ca.p12");
    Path serverStore = dir.resolve(name + "-server.p12");
    Path csr = dir.resolve(name + ".csr");
    caCert = dir.resolve(name + "-ca.crt");
    tlsCert = dir.resolve(name + "-tls.crt");
    tlsKey = dir.resolve(name + "-tls.key");
    keytool(
        "-genkeypair",
        "-alias",
        "ca",
        "-keyalg",
        "RSA",
        "-keysize",
        "2048",
        "-dname",
        "CN=" + name + "-ca",
        "-ext",
        "bc:c",
        "-validity",
        "2",
        "-storetype",
        "PKCS12",
        "-keystore",
        caStore.toString(),
        "-storepass",
        PASS);
    keytool(
        "-exportcert",
        "-rfc",
        "-alias",
        "ca",
        "-keystore",
        caStore.toString(),
        "-storepass",
        PASS,
        "-file",
        caCert.toString());
    keytool(
        "-genkeypair",
        "-alias",
        "server",
        "-keyalg",
        "RSA",
        "-keysize",
        "2048",
        "-dname",
        "CN=nodemesh-controller",
        "-validity",
        "2",
        "-storetype",
        "PKCS12",
        "-keystore",
        serverStore.toString(),
        "-storepass",
        PASS);
    keytool(
        "-certreq",
        "-alias",
        "server",
        "-keystore",
        serverStore.toString(),
        "-storepass",
        PASS,
        "-file",
        csr.toString());
    keytool(
        "-gencert",
        "-rfc",
        "-alias",
        "ca",
        "-keystore",
        caStore.toString(),
        "-storepass",
        PASS,
        "-infile",
        csr.toString(),
        "-outfile",
        tlsCert.toString(),
        "-validity",
        "2",
        "-ext",
        "san=ip:127.0.0.1,dns:localhost",
        "-ext",
        "eku=serverAuth");
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (var in = Files.newInputStream(serverStore)) {
      ks.load(in, PASS.toCharArray());
    }
    Key key = ks.getKey("server", PASS.toCharArray());
    Files.writeString(tlsKey, pem("RSA PRIVATE KEY", pkcs1(key.getEncoded())));
  }

  /** The RSAPrivateKey inside a PKCS#8 PrivateKeyInfo (RFC 5208 section 5, RFC 8017 A.1.2). */
  private static byte[] pkcs1(byte[] pkcs8) {
    // SEQUENCE { INTEGER 0, AlgorithmIdentifier rsaEncryption, OCTET STRING key }: the 2048-bit
    // key's outer and inner lengths take two bytes each, so the OCTET STRING starts at 22.
    if (pkcs8[22] != 0x04 || pkcs8[23] != (byte) 0x82) {
      throw new IllegalStateException("unexpected PKCS#8 layout");
    }
    int len = ((pkcs8[24] & 0xff) << 8) | (pkcs8[25] & 0xff);
    return Arrays.copyOfRange(pkcs8, 26, 26 + len);
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }

  private static void keytool(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException("keytool " + String.join(" ", args) + " failed: " + out);
    }
  }
}
