package io.nodemesh.cli;

import io.nodemesh.controller.api.ApiTls;
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

  /** The serving certificate and key, as the controller's {@code --tls-cert}/{@code --tls-key}. */
  ApiTls tls() {
    return new ApiTls(tlsCert, tlsKey);
  }

  TestCa(Path dir, String name) throws IOException, InterruptedException, GeneralSecurityException {
    Files.createDirectories(dir);
    Path caStore = dir.resolve(name + "-ca.p12");
    Path serverStore = dir.resolve(name + "-server.p12");
    Path csr = dir.resolve(name + ".csr");
    caCert = dir.resolve(name + "-ca.crt");
    tlsCert = dir.resolve(name + "-tls.crt");
    tlsKey = dir.resolve(name + "-tls.key");
    genkeypair(caStore, "ca", "CN=" + name + "-ca", "-ext", "bc:c");
    inStore(caStore, "-exportcert", "-rfc", "-alias", "ca", "-file", caCert.toString());
    genkeypair(serverStore, "server", "CN=nodemesh-controller");
    inStore(serverStore, "-certreq", "-alias", "server", "-file", csr.toString());
    inStore(
        caStore,
        "-gencert",
        "-rfc",
        "-alias",
        "ca",
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

  /** {@code keytool} with {@code args} on the PKCS#12 {@code store}. */
  private static void inStore(Path store, String... args) throws IOException, InterruptedException {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("-keystore", store.toString(), "-storepass", PASS));
    keytool(all.toArray(String[]::new));
  }

  /** A 2048-bit RSA key pair valid for two days, {@code more} options added, in a new store. */
  private static void genkeypair(Path store, String alias, String dname, String... more)
      throws IOException, InterruptedException {
    List<String> args =
        new ArrayList<>(
            List.of(
                "-genkeypair",
                "-alias",
                alias,
                "-keyalg",
                "RSA",
                "-keysize",
                "2048",
                "-dname",
                dname));
    args.addAll(List.of(more));
    args.addAll(List.of("-validity", "2", "-storetype", "PKCS12"));
    inStore(store, args.toArray(String[]::new));
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
