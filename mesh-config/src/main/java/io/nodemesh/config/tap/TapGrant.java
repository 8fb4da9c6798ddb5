package io.nodemesh.config.tap;

import java.nio.charset.StandardCharsets;
import java.security.Key;
import java.util.Base64;
import java.util.HexFormat;

/**
 * A one-time permission, signed by the controller, to open one tap on one proxy. It names the proxy
 * address the request is sent to, when it stops being valid, a random nonce (so a captured grant
 * cannot be replayed) and the exact query of the tap (so it cannot be reused for another filter or
 * rate). The controller signs {@link #payload()} with the private key of its serving certificate;
 * the proxy checks the signature against that certificate, the certificate against the CA and the
 * name it already pins for the config channel, then the fields against the request.
 *
 * <p>On the wire: {@value #GRANT_HEADER}{@code : v1.<payload>.<signature>} (both base64url without
 * padding) and {@value #SIGNER_HEADER}{@code : <base64 DER certificate>}.
 *
 * @param target the proxy address (IP literal) the grant is for
 * @param expiresEpochSecond after this second the grant is refused
 * @param nonce 32 lowercase hex characters, used once
 * @param query the raw query string of the tap request
 */
public record TapGrant(String target, long expiresEpochSecond, String nonce, String query) {
  public static final String GRANT_HEADER = "X-Nodemesh-Tap-Grant";
  public static final String SIGNER_HEADER = "X-Nodemesh-Tap-Signer";

  /** How long a grant lives: long enough for one connection set-up, short for a replay. */
  public static final long LIFETIME_SECONDS = 30;

  /** Longest grant or signer header accepted: bounded before any decoding. */
  public static final int MAX_HEADER = 8192;

  private static final String VERSION = "v1";

  public TapGrant {
    if (target == null || target.isEmpty() || target.length() > 64 || has(target, ' ', '\n')) {
      throw new IllegalArgumentException("tap grant target is not an address");
    }
    if (nonce == null || nonce.length() != 32 || !nonce.chars().allMatch(TapGrant::lowerHex)) {
      throw new IllegalArgumentException("tap grant nonce must be 32 lowercase hex characters");
    }
    if (query == null || query.length() > 4096 || has(query, '\n', '\r')) {
      throw new IllegalArgumentException("tap grant query is too long or holds a line break");
    }
  }

  /** The bytes signed: one field a line, the version first so the format can change. */
  public byte[] payload() {
    return (VERSION + "\n" + target + "\n" + expiresEpochSecond + "\n" + nonce + "\n" + query)
        .getBytes(StandardCharsets.UTF_8);
  }

  /** The {@value #GRANT_HEADER} value carrying this grant and its signature. */
  public String header(byte[] signature) {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    return VERSION + "." + b64.encodeToString(payload()) + "." + b64.encodeToString(signature);
  }

  /** A header value taken apart; the signature is still to be checked. */
  public record Signed(TapGrant grant, byte[] payload, byte[] signature) {}

  /**
   * Reads a {@value #GRANT_HEADER} value.
   *
   * @throws IllegalArgumentException saying what is malformed
   */
  public static Signed parse(String header) {
    if (header == null || header.length() > MAX_HEADER) {
      throw new IllegalArgumentException("tap grant missing or too long");
    }
    String[] parts = header.split("\\.", -1);
    if (parts.length != 3 || !parts[0].equals(VERSION)) {
      throw new IllegalArgumentException("tap grant is not v1.<payload>.<signature>");
    }
    byte[] payload;
    byte[] signature;
    try {
      payload = Base64.getUrlDecoder().decode(parts[1]);
      signature = Base64.getUrlDecoder().decode(parts[2]);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("tap grant is not base64url", e);
    }
    String[] f = new String(payload, StandardCharsets.UTF_8).split("\n", -1);
    if (f.length != 5 || !f[0].equals(VERSION)) {
      throw new IllegalArgumentException("tap grant payload has the wrong fields");
    }
    long expires;
    try {
      expires = Long.parseLong(f[2]);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("tap grant expiry is not a number", e);
    }
    return new Signed(new TapGrant(f[1], expires, f[3], f[4]), payload, signature);
  }

  /**
   * The JCA signature algorithm for a key of the controller's certificate: the chart's own CA makes
   * RSA keys (Helm's {@code genSignedCert}), cert-manager ECDSA P-256 ones.
   *
   * @throws IllegalArgumentException for another key type
   */
  public static String algorithm(Key key) {
    return switch (key.getAlgorithm()) {
      case "RSA" -> "SHA256withRSA";
      case "EC" -> "SHA256withECDSA";
      case "Ed25519", "EdDSA" -> "Ed25519";
      default ->
          throw new IllegalArgumentException(
              "cannot sign tap grants with a " + key.getAlgorithm() + " key");
    };
  }

  /** A fresh nonce from 16 random bytes. */
  public static String nonce(java.security.SecureRandom random) {
    byte[] b = new byte[16];
    random.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  private static boolean lowerHex(int c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
  }

  private static boolean has(String s, char a, char b) {
    return s.indexOf(a) >= 0 || s.indexOf(b) >= 0;
  }
}
