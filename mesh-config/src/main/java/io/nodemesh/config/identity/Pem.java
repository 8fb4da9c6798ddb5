package io.nodemesh.config.identity;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * PEM (RFC 7468) as both ends write and read it: certificates, PKCS#8 keys and PKCS#10 requests.
 * Reading is bounded by the caller's body limit and linear in the input.
 */
public final class Pem {
  private Pem() {}

  /** One PEM block of {@code label} (e.g. {@code CERTIFICATE}) around {@code der}. */
  public static String encode(String label, byte[] der) {
    return "-----BEGIN "
        + label
        + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END "
        + label
        + "-----\n";
  }

  /** The certificates, in order, as concatenated PEM. */
  public static String certificates(List<X509Certificate> certs) {
    StringBuilder out = new StringBuilder();
    for (X509Certificate c : certs) {
      try {
        out.append(encode("CERTIFICATE", c.getEncoded()));
      } catch (CertificateEncodingException e) {
        throw new IllegalStateException("cannot encode a certificate", e);
      }
    }
    return out.toString();
  }

  /**
   * The contents of every block labelled {@code label}, in order; other blocks are skipped.
   *
   * @throws IllegalArgumentException when a block is not closed or not Base64
   */
  public static List<byte[]> decode(String pem, String label) {
    String begin = "-----BEGIN " + label + "-----";
    String end = "-----END " + label + "-----";
    List<byte[]> blocks = new ArrayList<>();
    int at = 0;
    while (true) {
      int b = pem.indexOf(begin, at);
      if (b < 0) {
        return blocks;
      }
      int e = pem.indexOf(end, b + begin.length());
      if (e < 0) {
        throw new IllegalArgumentException("PEM block " + label + " is not closed");
      }
      try {
        blocks.add(Base64.getMimeDecoder().decode(pem.substring(b + begin.length(), e)));
      } catch (IllegalArgumentException ex) {
        throw new IllegalArgumentException("PEM block " + label + " is not Base64", ex);
      }
      at = e + end.length();
    }
  }

  /**
   * The X.509 certificates in {@code pem}, in order.
   *
   * @throws IllegalArgumentException when there is none or one does not parse
   */
  public static List<X509Certificate> readCertificates(String pem) {
    List<X509Certificate> certs = new ArrayList<>();
    try {
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      for (byte[] der : decode(pem, "CERTIFICATE")) {
        certs.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der)));
      }
    } catch (CertificateException e) {
      throw new IllegalArgumentException("a PEM certificate does not parse: " + e.getMessage(), e);
    }
    if (certs.isEmpty()) {
      throw new IllegalArgumentException("no PEM CERTIFICATE block");
    }
    return List.copyOf(certs);
  }

  /** {@code pem} as UTF-8 bytes (PEM is ASCII). */
  public static byte[] bytes(String pem) {
    return pem.getBytes(StandardCharsets.US_ASCII);
  }
}
