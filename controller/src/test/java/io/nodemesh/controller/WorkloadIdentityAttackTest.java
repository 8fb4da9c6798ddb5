package io.nodemesh.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.nodemesh.config.MeshConfigJson;
import io.nodemesh.config.identity.CertificateRequest;
import io.nodemesh.config.identity.CertificateResponse;
import io.nodemesh.config.identity.EcKeys;
import io.nodemesh.config.identity.Pem;
import io.nodemesh.controller.api.ApiSecurity;
import io.nodemesh.controller.api.ApiTls;
import io.nodemesh.controller.identity.IdentitySettings;
import io.nodemesh.controller.source.FileSource;
import io.nodemesh.controller.source.InformerSource;
import io.nodemesh.controller.testing.TestPki;
import io.nodemesh.testkit.LoopbackHttp;
import io.nodemesh.testkit.MockReviews;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14, "Identity authority in the controller": attacks on the real controller's CSR endpoint
 * over TLS, with the Pod informer fed by fabric8's mock API server and TokenReviews answered the
 * way the API server answers for pod-bound projected tokens (the pod's UID in {@code user.extra}).
 */
@EnableKubernetesMockClient(crud = true)
class WorkloadIdentityAttackTest {
  static final String PROXY = "system:serviceaccount:nodemesh:nodemesh-proxy";
  static final String TD = "test.nodemesh";

  KubernetesMockServer server;
  KubernetesClient client;

  @TempDir Path dir;
  HttpClient https;
  Controller controller;
  InformerSource source;

  /** Token → [user, pod UID] the mock API server vouches for. */
  final Map<String, List<String>> tokens = new ConcurrentHashMap<>();

  final List<String> reviewed = new CopyOnWriteArrayList<>();
  String proxyA;
  String proxyB;

  /** The mock API server's answer to a TokenReview: the user and pod of {@link #tokens}. */
  TokenReview review(TokenReview asked) {
    String token = asked.getSpec().getToken();
    reviewed.add(token);
    List<String> who = tokens.get(token);
    return MockReviews.user(
        who == null ? null : who.get(0),
        null,
        who != null ? asked.getSpec().getAudiences() : List.of(),
        who != null && who.get(1) != null
            ? Map.of(
                "authentication.kubernetes.io/pod-uid",
                List.of(who.get(1)),
                "authentication.kubernetes.io/pod-name",
                List.of("whatever"))
            : null);
  }

  @BeforeEach
  void start() throws Exception {
    MockReviews.tokenReviews(server, client, this::review);
    proxyA = create(pod("nodemesh", "proxy-a", "nodemesh-proxy", "node-a")).getMetadata().getUid();
    proxyB = create(pod("nodemesh", "proxy-b", "nodemesh-proxy", "node-b")).getMetadata().getUid();
    create(pod("default", "local-1", "local", "node-a"));
    create(pod("default", "web-1", "web", "node-b"));
    create(
        new PodBuilder(pod("default", "host-1", "hostsa", "node-a"))
            .editSpec()
            .withHostNetwork(true)
            .endSpec()
            .build());
    create(
        new PodBuilder(pod("default", "done-1", "donesa", "node-a"))
            .editStatus()
            .withPhase("Succeeded")
            .endStatus()
            .build());
    create(pod("default", "app-1", "app", "node-a"));
    X509Certificate serving = TestPki.servingCertificate(dir);
    https = HttpClient.newBuilder().sslContext(TestPki.trusting(serving)).build();
    source = new InformerSource(client, null);
    controller =
        Controller.start(
            ControllerOptions.defaults().withApi("127.0.0.1", 0),
            source,
            client,
            new ApiSecurity(
                "nodemesh-proxy", true, new ApiTls(dir.resolve("tls.crt"), dir.resolve("tls.key"))),
            IdentitySettings.defaults().withTrustDomain(TD));
    await().atMost(Duration.ofSeconds(30)).until(() -> source.podIndex().hasSynced());
  }

  @AfterEach
  void stop() {
    if (controller != null) {
      controller.close();
    }
    if (https != null) {
      https.close();
    }
  }

  static Pod pod(String ns, String name, String sa, String node) {
    return new PodBuilder()
        .withNewMetadata()
        .withNamespace(ns)
        .withName(name)
        .endMetadata()
        .withNewSpec()
        .withServiceAccountName(sa)
        .withNodeName(node)
        .endSpec()
        .withNewStatus()
        .withPhase("Running")
        .withPodIP("10.0.0." + Math.abs(name.hashCode() % 250))
        .endStatus()
        .build();
  }

  Pod create(Pod p) {
    return client.pods().inNamespace(p.getMetadata().getNamespace()).resource(p).create();
  }

  /** A JWT shaped like a projected token, with a node claim that may lie. */
  static String jwt(String audience, String subject, String node, String nonce) {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String header = b64.encodeToString("{\"alg\":\"RS256\"}".getBytes(StandardCharsets.UTF_8));
    String payload =
        "{\"aud\":[\""
            + audience
            + "\"],\"sub\":\""
            + subject
            + "\",\"kubernetes.io\":{\"node\":{\"name\":\""
            + node
            + "\"}},\"jti\":\""
            + nonce
            + "\"}";
    return header
        + "."
        + b64.encodeToString(payload.getBytes(StandardCharsets.UTF_8))
        + "."
        + b64.encodeToString(nonce.getBytes(StandardCharsets.UTF_8));
  }

  /** The CA token of the proxy pod {@code podUid}, as the API server would vouch for it. */
  String proxyToken(String podUid, String claimedNode) {
    String t = jwt("nodemesh-ca", PROXY, claimedNode, podUid);
    tokens.put(t, List.of(PROXY, podUid));
    return t;
  }

  HttpResponse<String> request(String token, String ns, String sa, String csr) throws Exception {
    String body = MeshConfigJson.mapper().writeValueAsString(new CertificateRequest(ns, sa, csr));
    return LoopbackHttp.postJson(
        https,
        URI.create("https://127.0.0.1:" + controller.apiPort() + "/api/v1/certificates"),
        token,
        body);
  }

  static String csr(KeyPair key) throws Exception {
    return TestPki.csr(key, "CN=ignored", null);
  }

  static CertificateResponse answer(HttpResponse<String> resp) throws Exception {
    assertThat(resp.statusCode()).as(resp.body()).isEqualTo(200);
    return MeshConfigJson.mapper().readValue(resp.body(), CertificateResponse.class);
  }

  /** Verifies the chain up to the bundle's roots (PKIX) and returns the leaf. */
  static X509Certificate verified(CertificateResponse r) throws Exception {
    List<X509Certificate> chain = Pem.readCertificates(r.chain());
    PKIXParameters params =
        new PKIXParameters(
            Set.copyOf(
                Pem.readCertificates(r.trustBundle()).stream()
                    .map(c -> new TrustAnchor(c, null))
                    .toList()));
    params.setRevocationEnabled(false);
    CertPathValidator.getInstance("PKIX")
        .validate(CertificateFactory.getInstance("X.509").generateCertPath(chain), params);
    return chain.get(0);
  }

  static List<String> uris(X509Certificate cert) throws Exception {
    return cert.getSubjectAlternativeNames().stream()
        .filter(n -> ((Integer) n.get(0)) == 6)
        .map(n -> (String) n.get(1))
        .toList();
  }

  String metric(String result) throws Exception {
    return controller
        .registry()
        .scrape()
        .lines()
        .filter(
            l ->
                l.startsWith("nodemesh_controller_certificate_requests_total{")
                    && l.contains("result=\"" + result + "\""))
        .findFirst()
        .orElse("");
  }

  @Test
  void aProxyGetsACertificateForAServiceAccountOnItsOwnNode() throws Exception {
    KeyPair key = EcKeys.generate();
    CertificateResponse r =
        answer(request(proxyToken(proxyA, "node-a"), "default", "local", csr(key)));
    X509Certificate leaf = verified(r);
    assertThat(r.spiffeId()).isEqualTo("spiffe://" + TD + "/ns/default/sa/local");
    assertThat(uris(leaf)).containsExactly(r.spiffeId());
    assertThat(leaf.getPublicKey()).isEqualTo(key.getPublic());
    assertThat(leaf.getBasicConstraints()).isEqualTo(-1);
    assertThat(leaf.getExtendedKeyUsage())
        .containsExactlyInAnyOrder("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
    assertThat(metric("issued")).endsWith(" 1.0");
  }

  @Test
  void aCompromisedProxyOnNodeACannotGetAServiceAccountThatRunsOnlyOnNodeB() throws Exception {
    HttpResponse<String> resp =
        request(proxyToken(proxyA, "node-a"), "default", "web", csr(EcKeys.generate()));
    assertThat(resp.statusCode()).isEqualTo(403);
    assertThat(resp.body()).contains("node-a").contains("default/web");
    assertThat(metric("refused")).endsWith(" 1.0");
    // The proxy on node B does get it: the refusal is about the node, not the account.
    answer(request(proxyToken(proxyB, "node-b"), "default", "web", csr(EcKeys.generate())));
  }

  @Test
  void aTokenWhoseNodeClaimLiesIsJudgedByThePodsRealNode() throws Exception {
    // The token says node-b; the pod it is bound to runs on node-a.
    String lying = proxyToken(proxyA, "node-b");
    assertThat(request(lying, "default", "web", csr(EcKeys.generate())).statusCode())
        .isEqualTo(403);
    answer(request(lying, "default", "local", csr(EcKeys.generate())));
  }

  @Test
  void anOrdinaryPodsTokenGetsNoCertificateAtAll() throws Exception {
    // Its own claims: refused before any TokenReview.
    String own = jwt("nodemesh-ca", "system:serviceaccount:default:app", "node-a", "app");
    tokens.put(own, List.of("system:serviceaccount:default:app", "uid-of-app"));
    HttpResponse<String> resp = request(own, "default", "app", csr(EcKeys.generate()));
    assertThat(resp.statusCode()).isEqualTo(403);
    assertThat(reviewed).isEmpty();
    // Claims copied from a proxy token: the API server names the real user.
    String forged = jwt("nodemesh-ca", PROXY, "node-a", "forged");
    tokens.put(forged, List.of("system:serviceaccount:default:app", "uid-of-app"));
    assertThat(request(forged, "default", "app", csr(EcKeys.generate())).statusCode())
        .isEqualTo(403);
    // The proxy's config token (audience nodemesh) is not a CA token.
    String config = jwt("nodemesh", PROXY, "node-a", proxyA);
    tokens.put(config, List.of(PROXY, proxyA));
    assertThat(request(config, "default", "local", csr(EcKeys.generate())).statusCode())
        .isEqualTo(401);
    // A proxy token that is not bound to a pod (a legacy Secret token): no node to judge by.
    String unbound = jwt("nodemesh-ca", PROXY, "node-a", "unbound");
    tokens.put(unbound, java.util.Arrays.asList(PROXY, null));
    assertThat(request(unbound, "default", "local", csr(EcKeys.generate())).statusCode())
        .isEqualTo(401);
    assertThat(request(null, "default", "local", csr(EcKeys.generate())).statusCode())
        .isEqualTo(401);
  }

  @Test
  void hostNetworkAndFinishedPodsDoNotCount() throws Exception {
    String token = proxyToken(proxyA, "node-a");
    assertThat(request(token, "default", "hostsa", csr(EcKeys.generate())).statusCode())
        .isEqualTo(403);
    assertThat(request(token, "default", "donesa", csr(EcKeys.generate())).statusCode())
        .isEqualTo(403);
    // A pod that finishes loses its certificate source at once.
    answer(request(token, "default", "app", csr(EcKeys.generate())));
    Pod app = client.pods().inNamespace("default").withName("app-1").get();
    app.getStatus().setPhase("Failed");
    client.pods().inNamespace("default").resource(app).updateStatus();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> request(token, "default", "app", csr(EcKeys.generate())).statusCode() == 403);
  }

  @Test
  void theCaSetsTheSpiffeIdWhateverTheCsrAsksFor() throws Exception {
    KeyPair key = EcKeys.generate();
    String greedy =
        TestPki.csr(
            key, "CN=admin, O=system:masters", "spiffe://" + TD + "/ns/kube-system/sa/admin");
    X509Certificate leaf =
        verified(answer(request(proxyToken(proxyA, "node-a"), "default", "local", greedy)));
    assertThat(uris(leaf)).containsExactly("spiffe://" + TD + "/ns/default/sa/local");
    assertThat(leaf.getSubjectX500Principal().getName()).isEmpty();
    assertThat(leaf.getPublicKey()).isEqualTo(key.getPublic());
  }

  @Test
  void aCsrWithABadSignatureOrABadKeyIsRefused() throws Exception {
    String token = proxyToken(proxyA, "node-a");
    String good = csr(EcKeys.generate());
    byte[] der = Pem.decode(good, "CERTIFICATE REQUEST").get(0);
    der[der.length - 3] ^= 0x01; // inside the signature
    HttpResponse<String> resp =
        request(token, "default", "local", Pem.encode("CERTIFICATE REQUEST", der));
    assertThat(resp.statusCode()).isEqualTo(400);
    assertThat(resp.body()).contains("signature");
    assertThat(request(token, "default", "local", "not a csr").statusCode()).isEqualTo(400);
    assertThat(request(token, "default", "../kube-system", good).statusCode()).isEqualTo(400);
    assertThat(metric("invalid")).endsWith(" 3.0");
  }

  @Test
  void lifetimeIsFourHoursAndNotBeforeIsBackdated() throws Exception {
    Instant before = Instant.now();
    X509Certificate leaf =
        verified(
            answer(
                request(proxyToken(proxyA, "node-a"), "default", "local", csr(EcKeys.generate()))));
    Instant after = Instant.now();
    Instant notBefore = leaf.getNotBefore().toInstant();
    Instant notAfter = leaf.getNotAfter().toInstant();
    assertThat(notBefore)
        .isBetween(
            before.minus(Duration.ofMinutes(5)).minusSeconds(1),
            after.minus(Duration.ofMinutes(5)).plusSeconds(1));
    assertThat(Duration.between(notBefore, notAfter))
        .isBetween(Duration.ofMinutes(4 * 60 + 5).minusSeconds(1), Duration.ofMinutes(4 * 60 + 5));
  }

  @Test
  void manyCertificatesCostOneTokenReview() throws Exception {
    String token = proxyToken(proxyA, "node-a");
    for (String sa : List.of("local", "app", "local", "app", "local")) {
      answer(request(token, "default", sa, csr(EcKeys.generate())));
    }
    assertThat(reviewed).hasSize(1);
  }

  @Test
  void theCaLivesInASecretAndSurvivesARestart() throws Exception {
    Secret secret = client.secrets().inNamespace("nodemesh").withName("nodemesh-ca").get();
    assertThat(secret.getData())
        .containsKeys(
            "ca.crt", "root.key", "tls.crt", "tls.key", "trust-bundle.pem", "trust-domain");
    String first =
        answer(request(proxyToken(proxyA, "node-a"), "default", "local", csr(EcKeys.generate())))
            .trustBundle();
    controller.close();
    controller =
        Controller.start(
            ControllerOptions.defaults().withApi("127.0.0.1", 0),
            source = new InformerSource(client, null),
            client,
            new ApiSecurity(
                "nodemesh-proxy", true, new ApiTls(dir.resolve("tls.crt"), dir.resolve("tls.key"))),
            IdentitySettings.defaults().withTrustDomain(TD));
    await().atMost(Duration.ofSeconds(30)).until(() -> source.podIndex().hasSynced());
    String second =
        answer(request(proxyToken(proxyA, "node-a"), "default", "local", csr(EcKeys.generate())))
            .trustBundle();
    assertThat(second).isEqualTo(first);
  }

  @Test
  void itFailsClosedUntilItsPodCacheHasSynced() throws Exception {
    controller.close();
    // A source whose pods never sync (local files): the CA must not conclude anything.
    controller =
        Controller.start(
            ControllerOptions.defaults().withApi("127.0.0.1", 0),
            new FileSource(dir),
            client,
            new ApiSecurity(
                "nodemesh-proxy", true, new ApiTls(dir.resolve("tls.crt"), dir.resolve("tls.key"))),
            IdentitySettings.defaults().withTrustDomain(TD));
    HttpResponse<String> resp =
        request(proxyToken(proxyA, "node-a"), "default", "local", csr(EcKeys.generate()));
    assertThat(resp.statusCode()).isEqualTo(503);
    assertThat(resp.body()).contains("not synced");
  }
}
