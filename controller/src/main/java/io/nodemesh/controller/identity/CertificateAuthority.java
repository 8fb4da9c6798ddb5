package io.nodemesh.controller.identity;

import io.fabric8.kubernetes.api.model.Pod;
import io.nodemesh.config.identity.CertificateRequest;
import io.nodemesh.config.identity.CertificateResponse;
import io.nodemesh.config.identity.EcKeys;
import io.nodemesh.config.identity.Pem;
import io.nodemesh.config.identity.SpiffeId;
import io.nodemesh.controller.source.PodIndex;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Objects;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;

/**
 * Decides whether a node proxy gets a certificate for a ServiceAccount, and issues it (issue 14):
 *
 * <ol>
 *   <li>the Pod informer must have synced, else nothing is concluded (503);
 *   <li>the requester is the proxy pod whose UID the API server bound into its token (the
 *       TokenReview's {@code authentication.kubernetes.io/pod-uid}); its node is that pod's {@code
 *       spec.nodeName} in the controller's own cache, never a claim of the token (the API server
 *       does not check a token's node-name claim against anything);
 *   <li>that node must run a live pod (not hostNetwork, not finished, not being deleted) of the
 *       ServiceAccount asked for;
 *   <li>the PKCS#10 request's signature must verify with its own key (proof of possession, RFC 2986
 *       section 3), the key must be EC P-256, and only that key is taken: the identity is always
 *       {@code spiffe://<trust-domain>/ns/<ns>/sa/<sa>}, whatever subject or extensions the request
 *       asks for.
 * </ol>
 */
public final class CertificateAuthority {
  /** A PEM CSR for P-256 is well under 1 KiB; anything bigger is not one of ours. */
  public static final int MAX_CSR_CHARS = 8 * 1024;

  /** The outcome of one request. */
  public sealed interface Decision {
    /** Issued: 200 with the answer. */
    record Issued(CertificateResponse response, X509Certificate certificate) implements Decision {}

    /** The request itself is malformed: 400. */
    record Invalid(String reason) implements Decision {}

    /** The requester may not have this identity: 403. */
    record Refused(String reason) implements Decision {}

    /** Cannot decide yet (Pod cache not synced): 503, the proxy retries. */
    record Unavailable(String reason) implements Decision {}
  }

  private final MeshCa ca;
  private final PodIndex pods;
  private final String meshNamespace;
  private final String proxyServiceAccount;
  private final IdentitySettings settings;
  private final InstantSource clock;
  private final String bundlePem;
  private final String intermediatePem;

  public CertificateAuthority(
      MeshCa ca,
      PodIndex pods,
      String meshNamespace,
      String proxyServiceAccount,
      IdentitySettings settings,
      InstantSource clock) {
    this.ca = Objects.requireNonNull(ca, "ca");
    this.pods = Objects.requireNonNull(pods, "pods");
    this.meshNamespace = Objects.requireNonNull(meshNamespace, "meshNamespace");
    this.proxyServiceAccount = Objects.requireNonNull(proxyServiceAccount, "proxyServiceAccount");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.bundlePem = Pem.certificates(ca.trusted());
    this.intermediatePem = Pem.certificates(ca.chainAboveLeaf());
  }

  public MeshCa ca() {
    return ca;
  }

  public String trustDomain() {
    return ca.trustDomain();
  }

  /**
   * Judges {@code request} from the proxy pod {@code requesterPodUid} (taken from the reviewed
   * token, never from the request).
   */
  public Decision issue(String requesterPodUid, CertificateRequest request) {
    if (!pods.hasSynced()) {
      return new Decision.Unavailable("the controller's Pod cache has not synced yet");
    }
    Pod requester = requesterPodUid == null ? null : pods.byUid(requesterPodUid);
    if (requester == null) {
      return new Decision.Refused("the token's pod " + requesterPodUid + " is not a known pod");
    }
    String node = requester.getSpec() == null ? null : requester.getSpec().getNodeName();
    if (!meshNamespace.equals(requester.getMetadata().getNamespace())
        || !proxyServiceAccount.equals(serviceAccountOf(requester))
        || !isLive(requester)
        || node == null
        || node.isEmpty()) {
      return new Decision.Refused(
          "the token's pod "
              + requester.getMetadata().getNamespace()
              + "/"
              + requester.getMetadata().getName()
              + " is not a running node proxy");
    }
    if (request == null || request.namespace() == null || request.serviceAccount() == null) {
      return new Decision.Invalid("namespace and serviceAccount are required");
    }
    SpiffeId id;
    try {
      id = new SpiffeId(ca.trustDomain(), request.namespace(), request.serviceAccount());
    } catch (IllegalArgumentException e) {
      return new Decision.Invalid(e.getMessage());
    }
    PublicKey key;
    try {
      key = provenKey(request.csr());
    } catch (IllegalArgumentException e) {
      return new Decision.Invalid(e.getMessage());
    }
    if (!hasLivePod(node, id)) {
      return new Decision.Refused(
          "node " + node + " runs no live pod of service account " + id.account());
    }
    Instant now = clock.instant();
    X509Certificate cert =
        ca.issue(id, key, now.minus(settings.backdate()), now.plus(settings.lifetime()));
    return new Decision.Issued(
        new CertificateResponse(
            id.uri(), Pem.certificates(List.of(cert)) + intermediatePem, bundlePem),
        cert);
  }

  /** Whether {@code node} runs a live pod of {@code id}'s ServiceAccount. */
  private boolean hasLivePod(String node, SpiffeId id) {
    for (Pod p : pods.onNode(node)) {
      if (id.namespace().equals(p.getMetadata().getNamespace())
          && id.serviceAccount().equals(serviceAccountOf(p))
          && node.equals(p.getSpec().getNodeName())
          && !Boolean.TRUE.equals(p.getSpec().getHostNetwork())
          && isLive(p)) {
        return true;
      }
    }
    return false;
  }

  /** Not finished (phase Succeeded or Failed) and not being deleted. */
  static boolean isLive(Pod p) {
    if (p.getMetadata().getDeletionTimestamp() != null) {
      return false;
    }
    String phase = p.getStatus() == null ? null : p.getStatus().getPhase();
    return !"Succeeded".equals(phase) && !"Failed".equals(phase);
  }

  /** {@code spec.serviceAccountName}, which the API server defaults to {@code default}. */
  static String serviceAccountOf(Pod p) {
    String sa = p.getSpec() == null ? null : p.getSpec().getServiceAccountName();
    return sa == null || sa.isEmpty() ? "default" : sa;
  }

  /**
   * The public key of a PEM PKCS#10 request whose signature verifies with that key.
   *
   * @throws IllegalArgumentException saying what is wrong
   */
  static PublicKey provenKey(String csrPem) {
    if (csrPem == null || csrPem.length() > MAX_CSR_CHARS) {
      throw new IllegalArgumentException(
          "csr must be one PEM CERTIFICATE REQUEST of at most " + MAX_CSR_CHARS + " characters");
    }
    List<byte[]> der = Pem.decode(csrPem, "CERTIFICATE REQUEST");
    if (der.size() != 1) {
      throw new IllegalArgumentException("csr must hold exactly one PEM CERTIFICATE REQUEST");
    }
    JcaPKCS10CertificationRequest csr;
    PublicKey key;
    try {
      csr = new JcaPKCS10CertificationRequest(der.get(0));
      key = csr.getPublicKey();
    } catch (IOException | RuntimeException | GeneralSecurityException e) {
      throw new IllegalArgumentException("csr is not a PKCS#10 request (RFC 2986)");
    }
    if (!EcKeys.isP256(key)) {
      throw new IllegalArgumentException("csr key must be EC P-256");
    }
    // Checked with the JDK's verifier directly: BouncyCastle's content-verifier path costs about
    // twice as much CPU for the same ECDSA check (docs/benchmarks.md, "Certificate issuance").
    if (!X9ObjectIdentifiers.ecdsa_with_SHA256.equals(csr.getSignatureAlgorithm().getAlgorithm())) {
      throw new IllegalArgumentException("csr must be signed with ecdsa-with-SHA256");
    }
    try {
      Signature verifier = Signature.getInstance(EcKeys.SIGNATURE);
      verifier.initVerify(key);
      verifier.update(
          csr.toASN1Structure().getCertificationRequestInfo().getEncoded(ASN1Encoding.DER));
      if (!verifier.verify(csr.getSignature())) {
        throw new IllegalArgumentException("csr signature does not verify with its key");
      }
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalArgumentException("csr signature does not verify with its key");
    }
    return key;
  }
}
