package io.nodemesh.controller.identity;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.nodemesh.config.identity.EcKeys;
import io.nodemesh.config.identity.Pem;
import io.nodemesh.config.identity.SpiffeId;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Keeps the CA in one Secret of the mesh namespace, which the chart lets only the controller read
 * (a Role limited to its name). The keys are those cert-manager writes, so the same Secret can be
 * made by the controller, by the user, or by a cert-manager Certificate for the intermediate:
 *
 * <ul>
 *   <li>{@code tls.crt}, {@code tls.key}: the intermediate (PEM, the key PKCS#8) that signs
 *       workload certificates;
 *   <li>{@code ca.crt}: the root above it;
 *   <li>{@code root.key}: the root's key, only when the controller made the root itself;
 *   <li>{@code trust-bundle.pem}: the roots peers trust, one, or two while roots rotate (absent:
 *       {@code ca.crt});
 *   <li>{@code trust-domain}: the mesh's SPIFFE trust domain.
 * </ul>
 */
public final class CaSecret {
  private static final System.Logger LOG = System.getLogger(CaSecret.class.getName());

  public static final String DEFAULT_NAME = "nodemesh-ca";
  static final String INTERMEDIATE = "tls.crt";
  static final String INTERMEDIATE_KEY = "tls.key";
  static final String ROOT = "ca.crt";
  static final String ROOT_KEY = "root.key";
  static final String BUNDLE = "trust-bundle.pem";
  static final String TRUST_DOMAIN = "trust-domain";

  private CaSecret() {}

  /**
   * The CA in Secret {@code name} of {@code namespace}; a new one written there when there is no
   * such Secret (another replica may win that race: then its CA is read back).
   *
   * @param trustDomain the chart's trust domain, or null: the Secret's, or a new unique one
   * @throws IllegalStateException naming the Secret and key when what is there is unusable
   */
  public static MeshCa loadOrCreate(
      KubernetesClient client, String namespace, String name, String trustDomain, Instant now) {
    var resource = client.secrets().inNamespace(namespace).withName(name);
    Secret existing = resource.get();
    if (existing == null) {
      String td = trustDomain != null ? trustDomain : uniqueTrustDomain();
      MeshCa created = MeshCa.create(td, now);
      try {
        client
            .secrets()
            .inNamespace(namespace)
            .resource(toSecret(created, namespace, name))
            .create();
        LOG.log(Level.INFO, "created CA Secret {0}/{1}, trust domain {2}", namespace, name, td);
        return created;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          throw e;
        }
        existing = resource.get();
        if (existing == null) {
          throw new IllegalStateException("CA Secret " + namespace + "/" + name + " vanished", e);
        }
      }
    }
    MeshCa ca = fromSecret(existing, trustDomain, namespace + "/" + name);
    if (ca.rootKey() != null
        && ca.intermediate()
            .getNotAfter()
            .toInstant()
            .isBefore(now.plus(MeshCa.INTERMEDIATE_RENEW_BEFORE))) {
      MeshCa renewed = ca.withNewIntermediate(now);
      Secret s = toSecret(renewed, namespace, name);
      s.getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
      try {
        client.secrets().inNamespace(namespace).resource(s).update();
        LOG.log(Level.INFO, "renewed the CA intermediate in {0}/{1}", namespace, name);
        return renewed;
      } catch (KubernetesClientException e) {
        // Another replica renewed it first (409): use what it wrote.
        return fromSecret(resource.get(), trustDomain, namespace + "/" + name);
      }
    }
    return ca;
  }

  /** {@code nodemesh-<12 hex digits>.local}: two installs never mint the same IDs by default. */
  static String uniqueTrustDomain() {
    byte[] b = new byte[6];
    new SecureRandom().nextBytes(b);
    return "nodemesh-" + HexFormat.of().formatHex(b) + ".local";
  }

  static Secret toSecret(MeshCa ca, String namespace, String name) {
    Map<String, String> data = new HashMap<>();
    data.put(INTERMEDIATE, Pem.certificates(List.of(ca.intermediate())));
    data.put(INTERMEDIATE_KEY, Pem.encode("PRIVATE KEY", ca.intermediateKey().getEncoded()));
    data.put(ROOT, Pem.certificates(List.of(ca.root())));
    if (ca.rootKey() != null) {
      data.put(ROOT_KEY, Pem.encode("PRIVATE KEY", ca.rootKey().getEncoded()));
    }
    data.put(BUNDLE, Pem.certificates(ca.trusted()));
    data.put(TRUST_DOMAIN, ca.trustDomain());
    Map<String, String> encoded = new HashMap<>();
    data.forEach(
        (k, v) ->
            encoded.put(
                k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.US_ASCII))));
    return new SecretBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(namespace)
        .addToLabels("app.kubernetes.io/part-of", "nodemesh")
        .addToLabels("app.kubernetes.io/component", "ca")
        .endMetadata()
        .withType("Opaque")
        .withData(encoded)
        .build();
  }

  /**
   * Reads and checks a CA Secret: the intermediate must be a CA certificate signed by the root, its
   * key must match it, and the root must be in the trust bundle.
   */
  static MeshCa fromSecret(Secret secret, String trustDomain, String where) {
    Map<String, String> data = secret.getData() == null ? Map.of() : secret.getData();
    X509Certificate intermediate = certificates(data, INTERMEDIATE, where).get(0);
    X509Certificate root = certificates(data, ROOT, where).get(0);
    PrivateKey key = key(data, INTERMEDIATE_KEY, where);
    PrivateKey rootKey = data.containsKey(ROOT_KEY) ? key(data, ROOT_KEY, where) : null;
    List<X509Certificate> bundle =
        data.containsKey(BUNDLE) ? certificates(data, BUNDLE, where) : List.of(root);
    String td = trustDomain != null ? trustDomain : text(data, TRUST_DOMAIN);
    if (td == null) {
      throw new IllegalStateException(
          "CA Secret "
              + where
              + " has no '"
              + TRUST_DOMAIN
              + "': set the trust domain (chart value identity.trustDomain)");
    }
    if (!bundle.contains(root)) {
      throw new IllegalStateException(
          "CA Secret " + where + ": the root in " + ROOT + " is not in " + BUNDLE);
    }
    if (intermediate.getBasicConstraints() < 0) {
      throw new IllegalStateException(
          "CA Secret " + where + ": " + INTERMEDIATE + " is not a CA certificate");
    }
    try {
      intermediate.verify(root.getPublicKey());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(
          "CA Secret " + where + ": " + INTERMEDIATE + " is not signed by " + ROOT, e);
    }
    if (!EcKeys.isP256(intermediate.getPublicKey())) {
      throw new IllegalStateException(
          "CA Secret " + where + ": the intermediate key must be EC P-256");
    }
    MeshCa ca = new MeshCa(td, root, rootKey, intermediate, key, bundle);
    if (!matches(ca)) {
      throw new IllegalStateException(
          "CA Secret " + where + ": " + INTERMEDIATE_KEY + " is not the key of " + INTERMEDIATE);
    }
    return ca;
  }

  /** Signs a throwaway certificate and checks it with the intermediate's public key. */
  private static boolean matches(MeshCa ca) {
    try {
      Instant now = Instant.now();
      X509Certificate probe =
          ca.issue(
              new SpiffeId(ca.trustDomain(), "probe", "probe"),
              EcKeys.generate().getPublic(),
              now,
              now.plus(Duration.ofMinutes(1)));
      probe.verify(ca.intermediate().getPublicKey());
      return true;
    } catch (GeneralSecurityException | RuntimeException e) {
      return false;
    }
  }

  private static List<X509Certificate> certificates(
      Map<String, String> data, String key, String where) {
    String pem = text(data, key);
    if (pem == null) {
      throw new IllegalStateException("CA Secret " + where + " has no '" + key + "'");
    }
    try {
      return Pem.readCertificates(pem);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException("CA Secret " + where + " '" + key + "': " + e.getMessage());
    }
  }

  private static PrivateKey key(Map<String, String> data, String key, String where) {
    String pem = text(data, key);
    List<byte[]> der = pem == null ? List.of() : Pem.decode(pem, "PRIVATE KEY");
    if (der.size() != 1) {
      throw new IllegalStateException(
          "CA Secret "
              + where
              + " '"
              + key
              + "' must hold one PKCS#8 'PRIVATE KEY' block (cert-manager: privateKey.encoding:"
              + " PKCS8)");
    }
    try {
      return EcKeys.privateKey(der.get(0));
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException("CA Secret " + where + " '" + key + "': " + e.getMessage());
    }
  }

  private static String text(Map<String, String> data, String key) {
    String b64 = data.get(key);
    if (b64 == null) {
      return null;
    }
    try {
      return new String(Base64.getMimeDecoder().decode(b64), StandardCharsets.US_ASCII).strip();
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
