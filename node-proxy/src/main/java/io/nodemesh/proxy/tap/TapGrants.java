package io.nodemesh.proxy.tap;

import io.nodemesh.config.tap.TapGrant;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.Collection;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Checks the controller's {@link TapGrant}s on the proxy. A grant is good when its signer
 * certificate was issued by the CA this proxy pins for the config channel ({@code
 * --controller-ca}), is valid now and names the controller host this proxy polls (the check TLS
 * makes when the proxy connects there), its signature verifies with that certificate's key, it is
 * for the address the request arrived on and the exact query asked, has not expired, and its nonce
 * was not used before. So only the controller's key can open a tap from the network, a grant is
 * good once, for one proxy and one filter, for at most {@link TapGrant#LIFETIME_SECONDS} seconds.
 */
public final class TapGrants {
  /** Nonces remembered at most; beyond it grants are refused until old ones expire. */
  static final int MAX_NONCES = 4096;

  /** Clock skew tolerated between controller and node, on top of the lifetime. */
  static final long SKEW_SECONDS = 60;

  private final X509Certificate ca;
  private final String controllerHost;
  private final LongSupplier epochSeconds;
  private final int maxNonces;
  // nonce -> expiry second; guarded by this.
  private final Map<String, Long> used = new HashMap<>();

  TapGrants(X509Certificate ca, String controllerHost, LongSupplier epochSeconds) {
    this(ca, controllerHost, epochSeconds, MAX_NONCES);
  }

  TapGrants(X509Certificate ca, String controllerHost, LongSupplier epochSeconds, int maxNonces) {
    this.maxNonces = maxNonces;
    this.ca = ca;
    this.controllerHost = controllerHost.toLowerCase(Locale.ROOT);
    this.epochSeconds = epochSeconds;
  }

  /**
   * Grants signed by the controller at {@code controllerHost} whose certificate {@code caPem}
   * issued.
   *
   * @throws IllegalArgumentException when the CA file cannot be read
   */
  public static TapGrants load(Path caPem, String controllerHost) {
    try (InputStream in = Files.newInputStream(caPem)) {
      X509Certificate ca =
          (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
      return new TapGrants(ca, controllerHost, () -> System.currentTimeMillis() / 1000);
    } catch (IOException | GeneralSecurityException | ClassCastException e) {
      throw new IllegalArgumentException(
          "cannot read the controller CA '" + caPem + "': " + e.getMessage(), e);
    }
  }

  /**
   * Checks one tap request.
   *
   * @param grant the {@link TapGrant#GRANT_HEADER} value
   * @param signer the {@link TapGrant#SIGNER_HEADER} value
   * @param localAddress the address the request arrived on
   * @param rawQuery the request's raw query string ("" when none)
   * @return null when the grant is good, else why not (said to the caller, no secrets in it)
   */
  public String refusal(String grant, String signer, String localAddress, String rawQuery) {
    TapGrant.Signed signed;
    X509Certificate cert;
    try {
      signed = TapGrant.parse(grant);
      if (signer == null || signer.length() > TapGrant.MAX_HEADER) {
        return "tap grant without a signer certificate";
      }
      cert =
          (X509Certificate)
              CertificateFactory.getInstance("X.509")
                  .generateCertificate(
                      new java.io.ByteArrayInputStream(Base64.getDecoder().decode(signer)));
    } catch (IllegalArgumentException | GeneralSecurityException | ClassCastException e) {
      return "malformed tap grant";
    }
    long now = epochSeconds.getAsLong();
    try {
      cert.verify(ca.getPublicKey());
      cert.checkValidity(new Date(now * 1000));
    } catch (GeneralSecurityException e) {
      return "tap grant signer is not a current certificate of the controller CA";
    }
    if (!namesController(cert)) {
      return "tap grant signer is not the controller's certificate";
    }
    try {
      Signature s = Signature.getInstance(TapGrant.algorithm(cert.getPublicKey()));
      s.initVerify(cert.getPublicKey());
      s.update(signed.payload());
      if (!s.verify(signed.signature())) {
        return "tap grant signature does not verify";
      }
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return "tap grant signature does not verify";
    }
    TapGrant g = signed.grant();
    if (!sameAddress(g.target(), localAddress)) {
      return "tap grant is for another proxy";
    }
    if (!g.query().equals(rawQuery == null ? "" : rawQuery)) {
      return "tap grant is for another filter";
    }
    if (g.expiresEpochSecond() < now
        || g.expiresEpochSecond() > now + TapGrant.LIFETIME_SECONDS + SKEW_SECONDS) {
      return "tap grant expired or not yet valid";
    }
    return remember(g.nonce(), g.expiresEpochSecond(), now) ? null : "tap grant used before";
  }

  private synchronized boolean remember(String nonce, long expires, long now) {
    if (used.size() >= maxNonces) {
      used.values().removeIf(e -> e < now);
      if (used.size() >= maxNonces) {
        return false;
      }
    }
    return used.putIfAbsent(nonce, expires) == null;
  }

  private boolean namesController(X509Certificate cert) {
    Collection<List<?>> names;
    try {
      names = cert.getSubjectAlternativeNames();
    } catch (GeneralSecurityException e) {
      return false;
    }
    if (names == null) {
      return false;
    }
    for (List<?> n : names) {
      Object type = n.get(0);
      String value = String.valueOf(n.get(1)).toLowerCase(Locale.ROOT);
      // 2 = dNSName, 7 = iPAddress (RFC 5280 section 4.2.1.6); exact names, as the chart writes
      if ((Integer.valueOf(2).equals(type) && value.equals(controllerHost))
          || (Integer.valueOf(7).equals(type) && sameAddress(value, controllerHost))) {
        return true;
      }
    }
    return false;
  }

  private static boolean sameAddress(String a, String b) {
    if (a == null || b == null) {
      return false;
    }
    if (a.equalsIgnoreCase(b)) {
      return true;
    }
    if (!literal(a) || !literal(b)) {
      return false;
    }
    try {
      return InetAddress.getByName(a).equals(InetAddress.getByName(b));
    } catch (UnknownHostException e) {
      return false;
    }
  }

  /** An IP literal: resolving it makes no DNS query. */
  private static boolean literal(String s) {
    return !s.isEmpty()
        && s.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == '.' || c == ':')
        && (s.indexOf(':') >= 0 || s.chars().allMatch(c -> Character.isDigit(c) || c == '.'));
  }
}
