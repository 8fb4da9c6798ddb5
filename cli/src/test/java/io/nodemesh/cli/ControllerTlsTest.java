package io.nodemesh.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.helidon.webserver.WebServer;
import io.nodemesh.controller.Controller;
import io.nodemesh.controller.ControllerOptions;
import io.nodemesh.controller.api.ApiSecurity;
import io.nodemesh.controller.api.ApiTls;
import io.nodemesh.controller.api.TlsReloader;
import io.nodemesh.controller.source.FileSource;
import io.nodemesh.proxy.NodeProxy;
import io.nodemesh.proxy.ProxyOptions;
import io.nodemesh.proxy.config.ControllerTrust;
import io.nodemesh.testkit.Closing;
import io.nodemesh.testkit.MockReviews;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, "the controller-to-proxy channel is plain HTTP with no server authentication": the real
 * controller serving its API over TLS with a CA-signed certificate, real node proxies that pin the
 * CA ({@code --controller-ca}), and {@code nodemesh explain} sending the kubeconfig token to it.
 */
@EnableKubernetesMockClient(crud = true)
class ControllerTlsTest {
  KubernetesMockServer server;
  KubernetesClient client;

  @RegisterExtension static final TestCas pki = new TestCas();
  @TempDir Path dir;
  @RegisterExtension final Closing running = new Closing();
  final List<String> reviewed = new java.util.concurrent.CopyOnWriteArrayList<>();

  @BeforeEach
  void world() throws Exception {
    Files.writeString(dir.resolve("world.yaml"), Manifests.service("default", "web", 80, 80));
  }

  Controller controller(TestCa serving, ApiSecurity security) {
    Controller c =
        Controller.start(
            ControllerOptions.defaults().withApi("127.0.0.1", 0),
            new FileSource(dir),
            security.proxyServiceAccount() == null && !security.viewers() ? null : client,
            security);
    running.add(c);
    return c;
  }

  NodeProxy proxy(Controller c, Path ca) {
    NodeProxy p =
        NodeProxy.start(
            new ProxyOptions(
                    URI.create("https://127.0.0.1:" + c.apiPort()), "127.0.0.1", 0, -1, "node-a", 1)
                .withControllerCa(ca));
    running.add(p);
    return p;
  }

  @Test
  void aProxyThatPinsTheCaGetsItsConfigOverTls() {
    Controller c = controller(pki.mesh(), new ApiSecurity(null, false, pki.mesh().tls()));

    NodeProxy p = proxy(c, pki.mesh().caCert);

    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                c.currentConfig().version() > 0
                    && p.appliedVersion() == c.currentConfig().version());
    assertThat(p.config().listeners()).anyMatch(l -> l.service().equals("web"));
  }

  @Test
  void aProxyRefusesAControllerWhoseCertificateTheCaDidNotSign() throws Exception {
    // An impostor with a valid-looking certificate for the same address, from another CA.
    Controller impostor = controller(pki.rogue(), new ApiSecurity(null, false, pki.rogue().tls()));
    await().atMost(Duration.ofSeconds(30)).until(() -> impostor.currentConfig().version() > 0);
    URI config = URI.create("https://127.0.0.1:" + impostor.apiPort() + "/api/v1/config");

    // What the proxy's client does, step by step: the handshake fails on the pinned CA ...
    try (HttpClient pinned =
        HttpClient.newBuilder().sslContext(ControllerTrust.pinned(pki.mesh().caCert)).build()) {
      assertThatThrownBy(
              () ->
                  pinned.send(
                      HttpRequest.newBuilder(config).build(), HttpResponse.BodyHandlers.ofString()))
          .isInstanceOf(SSLHandshakeException.class);
    }
    // ... while the impostor does serve a config to whoever trusts its CA.
    try (HttpClient fooled =
        HttpClient.newBuilder().sslContext(ControllerTrust.pinned(pki.rogue().caCert)).build()) {
      assertThat(
              fooled
                  .send(
                      HttpRequest.newBuilder(config).build(), HttpResponse.BodyHandlers.ofString())
                  .statusCode())
          .isEqualTo(200);
    }

    // And the real proxy never takes a config from it.
    NodeProxy p = proxy(impostor, pki.mesh().caCert);
    await()
        .during(Duration.ofSeconds(3))
        .atMost(Duration.ofSeconds(10))
        .until(() -> p.appliedVersion() < 0 && p.config() == null);
  }

  /**
   * {@code nodemesh explain} from 10.9.9.9 to web.default.mesh at {@code url}, pinning {@code ca}.
   */
  static CliTest.Result explain(String url, Path ca, Path kubeconfig) {
    return CliTest.run(
        "explain",
        "--controller",
        url,
        "--controller-ca",
        ca.toString(),
        "--kubeconfig",
        kubeconfig.toString(),
        "--from",
        "10.9.9.9",
        "--to",
        "web.default.mesh");
  }

  @Test
  void explainSendsTheKubeconfigTokenToAControllerOverTls() throws Exception {
    MockReviews.tokenReviews(
        server,
        client,
        asked -> {
          reviewed.add(asked.getSpec().getToken());
          return MockReviews.user("alice");
        });
    MockReviews.accessReviews(server, client, asked -> "alice".equals(asked.getSpec().getUser()));
    Controller c = controller(pki.mesh(), new ApiSecurity(null, true, pki.mesh().tls()));
    await().atMost(Duration.ofSeconds(30)).until(() -> c.currentConfig().version() > 0);
    Path kubeconfig = dir.resolve("kubeconfig");
    Files.writeString(
        kubeconfig,
        """
        apiVersion: v1
        kind: Config
        clusters: [{name: c, cluster: {server: "%s"}}]
        users: [{name: alice, user: {token: alice-secret-token}}]
        contexts: [{name: c, context: {cluster: c, user: alice}}]
        current-context: c
        """
            .formatted(client.getMasterUrl()));
    String url = "https://127.0.0.1:" + c.apiPort();

    CliTest.Result allowed = explain(url, pki.mesh().caCert, kubeconfig);
    CliTest.Result wrongCa = explain(url, pki.rogue().caCert, kubeconfig);

    assertThat(allowed.code()).as(allowed.err()).isZero();
    assertThat(allowed.out()).contains("web");
    assertThat(reviewed).containsExactly("alice-secret-token");
    assertThat(wrongCa.code()).isEqualTo(1);
    assertThat(wrongCa.err()).contains("cannot reach the controller");
  }

  @Test
  void aRenewedCertificateIsServedWithoutARestart() throws Exception {
    // The Secret's files as the kubelet mounts them; cert-manager renews into the same Secret.
    Path crt = dir.resolve("tls.crt");
    Path key = dir.resolve("tls.key");
    Files.copy(pki.mesh().tlsCert, crt);
    Files.copy(pki.mesh().tlsKey, key);
    ApiTls files = new ApiTls(crt, key);
    WebServer web =
        WebServer.builder()
            .host("127.0.0.1")
            .port(0)
            .tls(files.serverTls())
            .routing(r -> r.get("/", (req, res) -> res.send("ok")))
            .build()
            .start();
    running.add(web::stop);
    TlsReloader reloader = new TlsReloader(files, web::reloadTls, Duration.ofMillis(100));
    running.add(reloader);
    URI uri = URI.create("https://127.0.0.1:" + web.port() + "/");
    assertThat(status(uri, pki.mesh().caCert)).isEqualTo(200);

    // A broken half-written pair is not taken: the old certificate stays.
    Files.writeString(key, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
    Files.copy(pki.rogue().tlsCert, crt, StandardCopyOption.REPLACE_EXISTING);
    await()
        .during(Duration.ofMillis(500))
        .atMost(Duration.ofSeconds(5))
        .until(() -> status(uri, pki.mesh().caCert) == 200);

    Files.copy(pki.rogue().tlsKey, key, StandardCopyOption.REPLACE_EXISTING);
    await().atMost(Duration.ofSeconds(20)).until(() -> status(uri, pki.rogue().caCert) == 200);
    assertThat(status(uri, pki.mesh().caCert)).isEqualTo(-1);
  }

  /** The status of a GET trusting only {@code ca}, or -1 when the handshake fails. */
  static int status(URI uri, Path ca) throws Exception {
    try (HttpClient c = HttpClient.newBuilder().sslContext(ControllerTrust.pinned(ca)).build()) {
      return c.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString())
          .statusCode();
    } catch (SSLHandshakeException e) {
      return -1;
    }
  }
}
