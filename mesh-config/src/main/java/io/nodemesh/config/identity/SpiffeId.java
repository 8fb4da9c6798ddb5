package io.nodemesh.config.identity;

/**
 * The identity of a Kubernetes ServiceAccount in the mesh: {@code
 * spiffe://<trustDomain>/ns/<namespace>/sa/<serviceAccount>} (the SPIFFE ID standard, section 2,
 * with the path layout Istio and Linkerd use for ServiceAccounts).
 *
 * <p>Every part is checked against its own grammar: the trust domain as the SPIFFE standard
 * (section 2.1) allows it (lower-case letters, digits, {@code .-_}), namespace and ServiceAccount
 * as Kubernetes names (DNS-1123 subdomain, at most 253 characters). So a name with a {@code /} can
 * never shift the path and name someone else.
 */
public record SpiffeId(String trustDomain, String namespace, String serviceAccount) {
  private static final String SCHEME = "spiffe://";
  private static final int MAX_TRUST_DOMAIN = 255;
  private static final int MAX_NAME = 253;

  public SpiffeId {
    checkTrustDomain(trustDomain);
    checkName("namespace", namespace);
    checkName("service account", serviceAccount);
  }

  /**
   * Reads {@code spiffe://td/ns/x/sa/y}.
   *
   * @throws IllegalArgumentException saying what is wrong
   */
  public static SpiffeId parse(String uri) {
    if (uri == null || !uri.startsWith(SCHEME) || uri.length() > 2048) {
      throw new IllegalArgumentException("not a SPIFFE ID: " + shorten(uri));
    }
    String rest = uri.substring(SCHEME.length());
    String[] parts = rest.split("/", -1);
    if (parts.length != 5 || !parts[1].equals("ns") || !parts[3].equals("sa")) {
      throw new IllegalArgumentException(
          "not a SPIFFE ID of the form spiffe://<trust-domain>/ns/<namespace>/sa/<account>: "
              + shorten(uri));
    }
    return new SpiffeId(parts[0], parts[2], parts[4]);
  }

  /** The ID of {@code account}, written {@code namespace/name} as the access tables write it. */
  public static SpiffeId of(String trustDomain, String account) {
    int slash = account == null ? -1 : account.indexOf('/');
    if (slash <= 0 || slash != account.lastIndexOf('/')) {
      throw new IllegalArgumentException(
          "service account '" + shorten(account) + "' is not namespace/name");
    }
    return new SpiffeId(trustDomain, account.substring(0, slash), account.substring(slash + 1));
  }

  /** {@code spiffe://td/ns/x/sa/y}. */
  public String uri() {
    return SCHEME + trustDomain + "/ns/" + namespace + "/sa/" + serviceAccount;
  }

  /** {@code namespace/serviceAccount}, the form of the access tables. */
  public String account() {
    return namespace + "/" + serviceAccount;
  }

  @Override
  public String toString() {
    return uri();
  }

  /** Whether {@code td} is a valid trust domain name (SPIFFE ID standard, section 2.1). */
  public static boolean isTrustDomain(String td) {
    if (td == null || td.isEmpty() || td.length() > MAX_TRUST_DOMAIN) {
      return false;
    }
    for (int i = 0; i < td.length(); i++) {
      char c = td.charAt(i);
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_')) {
        return false;
      }
    }
    return true;
  }

  private static void checkTrustDomain(String td) {
    if (!isTrustDomain(td)) {
      throw new IllegalArgumentException(
          "trust domain '"
              + shorten(td)
              + "' must be 1-255 characters of a-z, 0-9, '.', '-', '_' (SPIFFE ID, section 2.1)");
    }
  }

  /** A DNS-1123 subdomain: what Kubernetes allows for namespace and ServiceAccount names. */
  private static void checkName(String what, String name) {
    boolean ok = name != null && !name.isEmpty() && name.length() <= MAX_NAME;
    for (int i = 0; ok && i < name.length(); i++) {
      char c = name.charAt(i);
      boolean alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
      boolean edge = i == 0 || i == name.length() - 1;
      ok = alnum || (!edge && (c == '-' || c == '.'));
    }
    if (!ok) {
      throw new IllegalArgumentException(
          what + " '" + shorten(name) + "' is not a Kubernetes name (DNS-1123 subdomain)");
    }
  }

  private static String shorten(String s) {
    if (s == null) {
      return "null";
    }
    return s.length() <= 80 ? s : s.substring(0, 80) + "...";
  }
}
