package io.nodemesh.controller.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.helidon.webserver.WebServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.controller.testing.Jwt;
import io.nodemesh.testkit.LoopbackHttp;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The config API with proxy authentication, against TokenReview answers of a mock API server. */
@EnableKubernetesMockClient
class ConfigApiAuthTest {
  static final String REVIEWS = "/apis/authentication.k8s.io/v1/tokenreviews";
  static final String PROXY = "system:serviceaccount:nodemesh:nodemesh-proxy";

  KubernetesMockServer server;
  KubernetesClient client;

  final ConfigHub hub = new ConfigHub(MeshConfig.empty());
  final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  final HttpClient http = HttpClient.newHttpClient();
  final ProxyTracker tracker = new ProxyTracker();
  final AtomicLong clock = new AtomicLong(1_000);
  WebServer api;

  @BeforeEach
  void start() {
    ProxyAuth auth = new ProxyAuth(client, "nodemesh", "nodemesh-proxy", clock::get);
    api =
        WebServer.builder()
            .host("127.0.0.1")
            .port(0)
            .routing(r -> ConfigApi.routing(r, hub, List::of, registry, tracker, auth))
            .build()
            .start();
  }

  @AfterEach
  void stop() {
    api.stop();
    http.close();
  }

  static TokenReview answer(boolean authenticated, String user) {
    return new TokenReviewBuilder()
        .withNewStatus()
        .withAuthenticated(authenticated)
        .withAudiences(authenticated ? List.of("nodemesh") : List.of())
        .withNewUser()
        .withUsername(user)
        .endUser()
        .endStatus()
        .build();
  }

  HttpResponse<String> get(String path, String authorization) throws Exception {
    return LoopbackHttp.get(
        http, api.port(), path, "Authorization", authorization, Duration.ofSeconds(10));
  }

  @Test
  void proxyTokenReadsTheConfigAndTheReviewAsksForTheToken() throws Exception {
    server.expect().post().withPath(REVIEWS).andReturn(201, answer(true, PROXY)).once();

    String token = Jwt.proxy("one");
    HttpResponse<String> resp = get("/api/v1/config", "Bearer " + token);

    assertThat(resp.statusCode()).isEqualTo(200);
    assertThat(resp.headers().firstValue("ETag")).isPresent();
    var review = server.takeRequest();
    assertThat(review.getPath()).isEqualTo(REVIEWS);
    String body = review.getBody().readUtf8();
    assertThat(body)
        .contains("\"token\":\"" + token + "\"")
        .contains("\"audiences\":[\"nodemesh\"]");
  }

  @Test
  void noTokenIs401WithoutAskingTheApiServer() throws Exception {
    HttpResponse<String> resp = get("/api/v1/config", null);

    assertThat(resp.statusCode()).isEqualTo(401);
    assertThat(resp.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"nodemesh\"");
    assertThat(resp.body()).contains("no Authorization header");
    assertThat(server.getRequestCount()).isZero();
    assertThat(tracker.connected()).isZero();
  }

  @Test
  void notABearerTokenIs401() throws Exception {
    HttpResponse<String> resp = get("/api/v1/config", "Basic dXNlcjpwYXNz");

    assertThat(resp.statusCode()).isEqualTo(401);
    assertThat(resp.body()).contains("not a Bearer token");
  }

  @Test
  void tokenTheApiServerRejectsIs401() throws Exception {
    server.expect().post().withPath(REVIEWS).andReturn(201, answer(false, null)).once();

    HttpResponse<String> resp = get("/api/v1/config", "Bearer " + Jwt.proxy("forged"));

    assertThat(resp.statusCode()).isEqualTo(401);
    assertThat(resp.body()).contains("token not accepted");
    assertThat(get("/metrics", null).body())
        .contains("nodemesh_controller_config_auth_refused_total{reason=\"unauthenticated\"} 1.0");
  }

  @Test
  void anotherServiceAccountIs403() throws Exception {
    server
        .expect()
        .post()
        .withPath(REVIEWS)
        .andReturn(201, answer(true, "system:serviceaccount:shop:default"))
        .once();

    String appToken = Jwt.proxy("app");
    HttpResponse<String> resp = get("/api/v1/config", "Bearer " + appToken);

    assertThat(resp.statusCode()).isEqualTo(403);
    assertThat(resp.body()).contains("system:serviceaccount:shop:default").contains(PROXY);
    assertThat(resp.body()).doesNotContain(appToken);
    assertThat(get("/metrics", null).body())
        .contains("nodemesh_controller_config_auth_refused_total{reason=\"forbidden\"} 1.0");
  }

  @Test
  void proxyAccountOfAnotherNamespaceIs403() throws Exception {
    server
        .expect()
        .post()
        .withPath(REVIEWS)
        .andReturn(201, answer(true, "system:serviceaccount:evil:nodemesh-proxy"))
        .once();

    assertThat(get("/api/v1/config", "Bearer " + Jwt.proxy("t")).statusCode()).isEqualTo(403);
  }

  @Test
  void reviewRefusedToTheControllerIs503() throws Exception {
    // The controller lacks `create tokenreviews`: not the proxy's fault, so not 401/403.
    server.expect().post().withPath(REVIEWS).andReturn(403, "forbidden").once();

    HttpResponse<String> resp = get("/api/v1/config", "Bearer " + Jwt.proxy("t"));

    assertThat(resp.statusCode()).isEqualTo(503);
    assertThat(resp.body()).contains("HTTP 403");
  }

  @Test
  void positiveAnswerIsCachedForSixtySeconds() throws Exception {
    server.expect().post().withPath(REVIEWS).andReturn(201, answer(true, PROXY)).once();
    server.expect().post().withPath(REVIEWS).andReturn(201, answer(false, null)).once();

    assertThat(get("/api/v1/config", "Bearer " + Jwt.proxy("p")).statusCode()).isEqualTo(200);
    clock.addAndGet(Duration.ofSeconds(59).toNanos());
    assertThat(get("/api/v1/config", "Bearer " + Jwt.proxy("p")).statusCode()).isEqualTo(200);
    assertThat(server.getRequestCount()).isEqualTo(1);

    clock.addAndGet(Duration.ofSeconds(2).toNanos());
    assertThat(get("/api/v1/config", "Bearer " + Jwt.proxy("p")).statusCode()).isEqualTo(401);
    assertThat(server.getRequestCount()).isEqualTo(2);
  }

  @Test
  void negativeAnswerIsCachedForTenSecondsOnly() throws Exception {
    server.expect().post().withPath(REVIEWS).andReturn(201, answer(false, null)).once();
    server.expect().post().withPath(REVIEWS).andReturn(201, answer(true, PROXY)).once();
    String token = "Bearer " + Jwt.proxy("p");

    assertThat(get("/api/v1/config", token).statusCode()).isEqualTo(401);
    clock.addAndGet(Duration.ofSeconds(9).toNanos());
    assertThat(get("/api/v1/config", token).statusCode()).isEqualTo(401);
    assertThat(server.getRequestCount()).isEqualTo(1);

    clock.addAndGet(Duration.ofSeconds(2).toNanos());
    assertThat(get("/api/v1/config", token).statusCode()).isEqualTo(200);
    assertThat(server.getRequestCount()).isEqualTo(2);
  }

  @Test
  void otherEndpointsStayOpen() throws Exception {
    assertThat(get("/healthz", null).statusCode()).isEqualTo(200);
    assertThat(get("/metrics", null).statusCode()).isEqualTo(200);
    assertThat(get("/api/v1/problems", null).statusCode()).isEqualTo(200);
    assertThat(server.getRequestCount()).isZero();
  }
}
