package io.nodemesh.controller.shadow;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * The names of shadow Services. Nothing outside the controller computes them: the mesh DNS server
 * answers {@code name.namespace.mesh} from the shadow's source labels ({@code
 * io.nodemesh.config.wire.ShadowLabels}, see {@code MeshNames}), because a hashed, cut name cannot
 * be derived from the query by a rewrite rule. The scheme may change without touching the DNS side;
 * existing shadows are renamed by the next reconciliation.
 */
public final class ShadowNames {
  /** A Service name is a DNS-1035 label: at most 63 characters. */
  public static final int MAX_LENGTH = 63;

  /**
   * Hex characters of the sha256 suffix: 64 bits, so that finding a second Service name with the
   * same suffix costs about 2^64 hashes (a 40-bit suffix could be brute-forced on a laptop, issue
   * 13). The readable part keeps at least 46 characters.
   */
  public static final int HASH_LENGTH = 16;

  private ShadowNames() {}

  /**
   * {@code <name>-<namespace>} lower-cased, cut so that {@code <prefix>-<16 hex of
   * sha256("namespace/name")>} fits 63 characters and is a valid DNS-1035 label. The hash keeps
   * names unique where the readable part does not ({@code a-b/c} and {@code a/b-c} both read {@code
   * c-a-b}) and where it was cut. Unique is not guaranteed: {@link ShadowServices} settles a
   * collision (the older Service keeps the name).
   */
  public static String shadowName(String namespace, String name) {
    return shadowName(namespace, name, HASH_LENGTH);
  }

  /**
   * The same with a suffix of {@code hashChars} hex characters. Only tests use another length: with
   * a short suffix they can find a real collision and play the attack.
   */
  static String shadowName(String namespace, String name, int hashChars) {
    if (hashChars < 1 || hashChars > HASH_LENGTH) {
      throw new IllegalArgumentException("shadowName: hashChars " + hashChars + " not in 1..16");
    }
    if (namespace == null || namespace.isBlank() || name == null || name.isBlank()) {
      throw new IllegalArgumentException(
          "shadowName: namespace '" + namespace + "' and name '" + name + "' must not be empty");
    }
    String hash = sha256Hex(namespace + "/" + name).substring(0, hashChars);
    StringBuilder prefix = new StringBuilder();
    for (char c : (name + "-" + namespace).toLowerCase(Locale.ROOT).toCharArray()) {
      prefix.append((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ? c : '-');
    }
    // DNS-1035 starts with a letter; namespaces and names (DNS-1123) may start with a digit.
    if (prefix.isEmpty() || prefix.charAt(0) < 'a' || prefix.charAt(0) > 'z') {
      prefix.insert(0, 's');
    }
    int max = MAX_LENGTH - 1 - hashChars;
    if (prefix.length() > max) {
      prefix.setLength(max);
    }
    while (!prefix.isEmpty() && prefix.charAt(prefix.length() - 1) == '-') {
      prefix.setLength(prefix.length() - 1);
    }
    return prefix + "-" + hash;
  }

  private static String sha256Hex(String s) {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(d.digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JDK", e);
    }
  }
}
