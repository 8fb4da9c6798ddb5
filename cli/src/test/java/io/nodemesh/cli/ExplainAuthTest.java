package io.nodemesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.nodemesh.testkit.K8s;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code nodemesh explain} and the controller's access check: which token it sends where, and what
 * a refusal says. The API server's service proxy is fabric8's mock server.
 */
@EnableKubernetesMockClient
class ExplainAuthTest {
  static final String PROXIED =
      "/api/v1/namespaces/nodemesh/services/https:nodemesh-controller:api/proxy/api/v1/explain"
          + "?from=shop%2Fweb&to=api.shop.mesh&method=GET&path=%2F";

  KubernetesMockServer server;
  KubernetesClient client;
  @TempDir Path dir;
  Path kubeconfig;
  final List<String> forwarded = new CopyOnWriteArrayList<>();

  @BeforeEach
  void kubeconfig() throws Exception {
    kubeconfig = dir.resolve("kubeconfig");
    K8s.kubeconfig(kubeconfig, String.valueOf(client.getMasterUrl()), "bob", "bob-secret-token");
  }

  CliTest.Result explainViaApiServer() {
    return CliTest.run(
        "explain",
        "--via-api-server",
        "--kubeconfig",
        kubeconfig.toString(),
        "--from",
        "shop/web",
        "--to",
        "api.shop.mesh");
  }

  @Test
  void viaTheApiServerTheTokenGoesInItsOwnHeaderToTheHttpsPort() {
    server
        .expect()
        .get()
        .withPath(PROXIED)
        .andReply(
            403,
            req -> {
              forwarded.add(String.valueOf(req.getHeader("X-Nodemesh-Authorization")));
              return "{\"error\":\"bob may not ask for explanations; it needs get"
                  + " explanations.nodemesh.io (ClusterRole nodemesh-viewer)\"}";
            })
        .once();

    CliTest.Result r = explainViaApiServer();

    assertThat(forwarded).containsExactly("Bearer bob-secret-token");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err().lines().toList())
        .singleElement()
        .asString()
        .contains("bob may not ask for explanations")
        .contains("ask an administrator to bind you the ClusterRole nodemesh-viewer")
        .doesNotContain("bob-secret-token");
  }

  @Test
  void aMissingTokenIsOneLineThatSaysHowToSendOne() {
    server
        .expect()
        .get()
        .withPath(PROXIED)
        .andReturn(401, "{\"error\":\"no Authorization header; send a Bearer token\"}")
        .always();

    CliTest.Result r = explainViaApiServer();

    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("no Authorization header").contains("--token-file");
  }

  @Test
  void theKubeconfigTokenIsNeverSentOverPlainHttp() throws Exception {
    List<String> seen = new CopyOnWriteArrayList<>();
    HttpServer plain = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    plain.createContext(
        "/",
        exchange -> {
          seen.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
          byte[] body = "{\"error\":\"no Authorization header\"}".getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(401, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    plain.start();
    try {
      CliTest.Result r =
          CliTest.run(
              "explain",
              "--controller",
              "http://127.0.0.1:" + plain.getAddress().getPort(),
              "--kubeconfig",
              kubeconfig.toString(),
              "--from",
              "a/b",
              "--to",
              "api.shop.mesh");
      assertThat(r.code()).isEqualTo(1);
    } finally {
      plain.stop(0);
    }
    assertThat(seen).containsExactly("null");
  }

  @Test
  void aControllerCaNeedsAnHttpsController() {
    assertThat(
            CliTest.usageError(
                "explain",
                "--controller",
                "http://127.0.0.1:1",
                "--controller-ca",
                dir.resolve("none.crt").toString(),
                "--from",
                "a/b",
                "--to",
                "api.shop.mesh"))
        .startsWith("nodemesh: --controller-ca needs an https:// --controller");
  }

  @Test
  void tlsFlagsAreCheckedBeforeAnythingStarts() {
    assertThat(CliTest.usageError("controller", "--source", dir.toString(), "--tls-cert", "x"))
        .startsWith("nodemesh: --tls-cert and --tls-key go together");

    assertThat(
            CliTest.usageError(
                "controller",
                "--source",
                dir.toString(),
                "--tls-cert",
                dir.resolve("no.crt").toString(),
                "--tls-key",
                dir.resolve("no.key").toString()))
        .contains("is not readable")
        .doesNotContain("\tat ");

    assertThat(
            CliTest.usageError(
                "proxy",
                "--controller",
                "http://127.0.0.1:9900",
                "--controller-ca",
                dir.resolve("ca.crt").toString()))
        .startsWith("nodemesh: --controller-ca needs an https:// --controller");

    assertThat(
            CliTest.usageError(
                "proxy",
                "--controller",
                "https://127.0.0.1:9900",
                "--controller-ca",
                dir.resolve("ca.crt").toString()))
        .contains("cannot read the controller CA");
  }
}
