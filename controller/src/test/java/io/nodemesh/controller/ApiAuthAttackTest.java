package io.nodemesh.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.nodemesh.controller.api.ApiSecurity;
import io.nodemesh.controller.source.FileSource;
import io.nodemesh.controller.testing.Jwt;
import io.nodemesh.testkit.LoopbackHttp;
import io.nodemesh.testkit.MockReviews;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, "open topology" and "TokenReview amplification": attacks on the real controller's API
 * (in-cluster mode: proxy ServiceAccount and viewer checks on), whose TokenReviews and
 * SubjectAccessReviews the fabric8 mock API server answers and counts.
 */
@EnableKubernetesMockClient(crud = true)
class ApiAuthAttackTest {
  static final String PROXY = "system:serviceaccount:nodemesh:nodemesh-proxy";
  static final String API_SERVER_AUDIENCE = "https://kubernetes.default.svc";
  static final String WORLD =
      """
      apiVersion: v1
      kind: Service
      metadata: {name: web}
      spec: {ports: [{name: http, port: 80}]}
      """;

  KubernetesMockServer server;
  KubernetesClient client;

  @TempDir Path dir;
  final HttpClient http = HttpClient.newHttpClient();
  Controller controller;

  /** Token → user the mock API server vouches for; absent: not authenticated. */
  final Map<String, String> users = new ConcurrentHashMap<>();

  /** Token → audiences the mock API server says it checked; absent: the one asked for. */
  final Map<String, List<String>> audiences = new ConcurrentHashMap<>();

  /** Users granted each nodemesh.io resource by RBAC. */
  final Map<String, Set<String>> grants = new ConcurrentHashMap<>();

  final List<String> reviewed = new CopyOnWriteArrayList<>();
  final List<String> accessReviewed = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    MockReviews.tokenReviews(
        server,
        client,
        asked -> {
          String token = asked.getSpec().getToken();
          reviewed.add(token);
          String user = users.get(token);
          List<String> aud =
              audiences.getOrDefault(
                  token,
                  asked.getSpec().getAudiences() == null || asked.getSpec().getAudiences().isEmpty()
                      ? List.of(API_SERVER_AUDIENCE)
                      : asked.getSpec().getAudiences());
          return MockReviews.user(
              user,
              user == null ? List.of() : List.of("system:authenticated"),
              user != null ? aud : List.of(),
              null);
        });
    MockReviews.accessReviews(
        server,
        client,
        asked -> {
          var attrs = asked.getSpec().getResourceAttributes();
          accessReviewed.add(asked.getSpec().getUser() + " " + attrs.getResource());
          return "nodemesh.io".equals(attrs.getGroup())
              && "get".equals(attrs.getVerb())
              && grants
                  .getOrDefault(attrs.getResource(), Set.of())
                  .contains(asked.getSpec().getUser());
        });
    Files.writeString(dir.resolve("world.yaml"), WORLD);
    controller =
        Controller.start(
            ControllerOptions.defaults().withApi("127.0.0.1", 0),
            new FileSource(dir),
            client,
            new ApiSecurity("nodemesh-proxy", true, null));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> get("/readyz", null, null).statusCode() == 200);
  }

  @AfterEach
  void stop() {
    if (controller != null) {
      controller.close();
    }
    http.close();
  }

  HttpResponse<String> get(String path, String header, String token) throws Exception {
    var b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + controller.apiPort() + path))
            .timeout(Duration.ofSeconds(30));
    if (token != null) {
      b.header(header, "Bearer " + token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> get(String path, String token) throws Exception {
    return get(path, "Authorization", token);
  }

  static final String EXPLAIN = "/api/v1/explain?from=10.1.2.3&to=web.default.mesh";
  static final String PROBLEMS = "/api/v1/problems";

  @Test
  void withoutATokenExplainAndProblemsAre401WithoutAReview() throws Exception {
    for (String path : List.of(EXPLAIN, PROBLEMS)) {
      HttpResponse<String> resp = get(path, null);
      assertThat(resp.statusCode()).as(path).isEqualTo(401);
      assertThat(resp.headers().firstValue("WWW-Authenticate"))
          .hasValue("Bearer realm=\"nodemesh\"");
      assertThat(resp.body()).doesNotContain("web.default");
    }
    assertThat(reviewed).isEmpty();
    assertThat(get("/metrics", null).body())
        .contains(
            "nodemesh_controller_api_auth_refused_total{endpoint=\"explain\",reason=\"unauthenticated\"}"
                + " 1.0");
  }

  @Test
  void aValidTokenWithoutTheGrantIs403AndWithItIs200() throws Exception {
    users.put("bob-token", "bob");
    users.put("alice-token", "alice");
    grants.put("explanations", Set.of("alice"));
    grants.put("problems", Set.of("alice"));

    HttpResponse<String> bob = get(EXPLAIN, "bob-token");
    assertThat(bob.statusCode()).isEqualTo(403);
    assertThat(bob.body())
        .contains("bob")
        .contains("get explanations.nodemesh.io")
        .doesNotContain("bob-token");
    assertThat(get(PROBLEMS, "bob-token").statusCode()).isEqualTo(403);

    HttpResponse<String> alice = get(EXPLAIN, "alice-token");
    assertThat(alice.statusCode()).isEqualTo(200);
    assertThat(alice.body()).contains("web");
    assertThat(get(PROBLEMS, "alice-token").statusCode()).isEqualTo(200);
    // Through the API server's service proxy the token comes in X-Nodemesh-Authorization.
    assertThat(get(EXPLAIN, "X-Nodemesh-Authorization", "alice-token").statusCode()).isEqualTo(200);
    assertThat(accessReviewed)
        .contains("bob explanations", "bob problems", "alice explanations", "alice problems");
    // A kubeconfig token is reviewed for the API server's audiences, not the mesh's.
    assertThat(reviewed).contains("alice-token");
  }

  @Test
  void aProxyTokenReadsExplainAndProblemsWithoutAnAccessReview() throws Exception {
    String token = Jwt.proxy("p1");
    users.put(token, PROXY);

    assertThat(get(EXPLAIN, token).statusCode()).isEqualTo(200);
    assertThat(get(PROBLEMS, token).statusCode()).isEqualTo(200);
    assertThat(accessReviewed).isEmpty();
  }

  @Test
  void aProxyTokenMayNotTapAndAGetGrantOnTapsIsNotEnough() throws Exception {
    // Issue 18: a proxy never taps another node; tapping needs create, not get, on taps.
    String token = Jwt.proxy("p2");
    users.put(token, PROXY);
    HttpResponse<String> proxy = get("/api/v1/tap?service=shop/web", token);
    assertThat(proxy.statusCode()).isEqualTo(403);
    assertThat(proxy.body()).contains("create taps.nodemesh.io");
    assertThat(accessReviewed).isEmpty();

    users.put("alice-token", "alice");
    grants.put("taps", Set.of("alice"));
    HttpResponse<String> alice = get("/api/v1/tap?service=shop/web", "alice-token");
    assertThat(alice.statusCode()).isEqualTo(403);
    assertThat(accessReviewed).containsExactly("alice taps");
  }

  @Test
  void aFloodOfBadTokensFromOneSourceMakesAtMostTheBurstOfReviews() throws Exception {
    List<Integer> statuses = new ArrayList<>();
    long started = System.nanoTime();
    for (int i = 0; i < 60; i++) {
      statuses.add(get(PROBLEMS, "forged-" + i).statusCode());
    }
    long seconds = Duration.ofNanos(System.nanoTime() - started).toSeconds() + 1;

    // 10 at once, then one a second: however slow this machine, far fewer than 60.
    assertThat(reviewed.size()).isLessThanOrEqualTo(10 + (int) seconds);
    assertThat(get("/metrics", null).body())
        .contains("nodemesh_controller_token_reviews_total " + reviewed.size() + ".0");
    assertThat(statuses).contains(429).allMatch(s -> s == 401 || s == 429);
    HttpResponse<String> throttled = get(PROBLEMS, "forged-last");
    if (throttled.statusCode() == 429) {
      assertThat(throttled.headers().firstValue("Retry-After")).hasValue("1");
    }
  }

  @Test
  void theSameBadTokenRepeatedIsReviewedOnce() throws Exception {
    for (int i = 0; i < 20; i++) {
      assertThat(get(EXPLAIN, "stolen-and-revoked").statusCode()).isEqualTo(401);
    }
    assertThat(reviewed).containsExactly("stolen-and-revoked");
  }

  @Test
  void aTokenForAnotherAudienceOrSubjectIsRefusedWithoutAReview() throws Exception {
    // A ServiceAccount token minted for the API server, replayed at the config API.
    String forApiServer = Jwt.token(API_SERVER_AUDIENCE, PROXY, "a");
    users.put(forApiServer, PROXY);
    HttpResponse<String> config = get("/api/v1/config", forApiServer);
    assertThat(config.statusCode()).isEqualTo(401);
    assertThat(config.body()).contains("not nodemesh");
    // Minted for the mesh, but for another ServiceAccount: no proxy, no review.
    String otherAccount = Jwt.token("nodemesh", "system:serviceaccount:shop:default", "b");
    users.put(otherAccount, "system:serviceaccount:shop:default");
    assertThat(get("/api/v1/config", otherAccount).statusCode()).isEqualTo(403);
    assertThat(get(EXPLAIN, otherAccount).statusCode()).isEqualTo(403);
    // Not a JWT at all: a proxy token always is.
    assertThat(get("/api/v1/config", "opaque-token").statusCode()).isEqualTo(401);

    assertThat(reviewed).isEmpty();
  }

  @Test
  void aReviewWhoseAudiencesLackOursIsRefused() throws Exception {
    // An authenticator that ignores spec.audiences vouches for the token, but not for "nodemesh".
    String token = Jwt.proxy("c");
    users.put(token, PROXY);
    audiences.put(token, List.of(API_SERVER_AUDIENCE));

    HttpResponse<String> resp = get("/api/v1/config", token);

    assertThat(resp.statusCode()).isEqualTo(401);
    assertThat(resp.body()).contains("not for nodemesh");
    assertThat(reviewed).containsExactly(token);
  }

  @Test
  void explainCompilesThePolicyOncePerConfigVersion() throws Exception {
    users.put("alice-token", "alice");
    grants.put("explanations", Set.of("alice"));
    for (int i = 0; i < 25; i++) {
      assertThat(get(EXPLAIN + "&path=/x" + i, "alice-token").statusCode()).isEqualTo(200);
    }
    assertThat(compilations()).isEqualTo(1);

    long before = controller.currentConfig().version();
    Files.writeString(
        dir.resolve("more.yaml"),
        "apiVersion: v1\nkind: Service\nmetadata: {name: api}\nspec: {ports: [{port: 81}]}\n");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> controller.currentConfig().version() > before);
    for (int i = 0; i < 5; i++) {
      assertThat(get(EXPLAIN, "alice-token").statusCode()).isEqualTo(200);
    }
    assertThat(compilations()).isEqualTo(2);
  }

  double compilations() throws Exception {
    Matcher m =
        Pattern.compile("nodemesh_controller_explain_policy_compilations_total ([0-9.E]+)")
            .matcher(get("/metrics", null).body());
    assertThat(m.find()).as("compilations metric").isTrue();
    return Double.parseDouble(m.group(1));
  }

  // Issue 18: the traffic page's data says who calls whom, and reports feed what people see.

  HttpResponse<String> post(String path, String token, String body) throws Exception {
    return LoopbackHttp.postJson(
        http, URI.create("http://127.0.0.1:" + controller.apiPort() + path), token, body);
  }

  static final String REPORT =
      """
      {"node":"n1","configVersion":1,"rssBytes":1,"cpuSeconds":1,"bounds":[0.1],
       "requests":[{"listener":"default/web:80","backend":"web","source":"unknown",
                    "count":%d,"failures":0}],
       "latencies":[],"denials":[]}
      """;

  @Test
  void trafficIsReadOnlyByViewersAndReportedOnlyByProxies() throws Exception {
    users.put("bob-token", "bob");
    users.put("alice-token", "alice");
    grants.put("traffic", Set.of("alice"));
    String proxy = Jwt.proxy("r");
    users.put(proxy, PROXY);

    assertThat(get("/api/v1/traffic", null).statusCode()).isEqualTo(401);
    HttpResponse<String> bob = get("/api/v1/traffic", "bob-token");
    assertThat(bob.statusCode()).isEqualTo(403);
    assertThat(bob.body()).contains("get traffic.nodemesh.io");
    // A viewer cannot make up traffic for everyone else's page, nor can anyone without a token.
    // (A person's token is not a proxy's JWT: refused before any review.)
    assertThat(post("/api/v1/report", "alice-token", REPORT.formatted(1000)).statusCode())
        .isEqualTo(401);
    assertThat(post("/api/v1/report", null, REPORT.formatted(1000)).statusCode()).isEqualTo(401);
    assertThat(get("/api/v1/traffic", "alice-token").body()).doesNotContain("\"requests\":1000");

    assertThat(post("/api/v1/report", proxy, REPORT.formatted(7)).statusCode()).isEqualTo(204);
    // The view is computed at most once a second, so the report shows within about a second.
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              HttpResponse<String> alice = get("/api/v1/traffic", "alice-token");
              assertThat(alice.statusCode()).isEqualTo(200);
              assertThat(alice.body())
                  .contains("\"to\":\"default/web\"")
                  .contains("\"requests\":7");
            });
    // The page itself holds no data: it is served to anyone, under a strict CSP.
    HttpResponse<String> page = get("/ui/", null);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Security-Policy")).isPresent();
    assertThat(get("/ui/../api/v1/traffic", null).statusCode()).isNotEqualTo(200);
  }

  @Test
  void aHostileReportIsRefusedWhole() throws Exception {
    String proxy = Jwt.proxy("h");
    users.put(proxy, PROXY);
    users.put("alice-token", "alice");
    grants.put("traffic", Set.of("alice"));

    assertThat(post("/api/v1/report", proxy, REPORT.formatted(-5)).statusCode()).isEqualTo(400);
    assertThat(post("/api/v1/report", proxy, "{\"node\":").statusCode()).isEqualTo(400);
    String longName = "x".repeat(10_000);
    assertThat(
            post("/api/v1/report", proxy, REPORT.formatted(1).replace("n1", longName)).statusCode())
        .isEqualTo(400);
    StringBuilder rows = new StringBuilder();
    for (int i = 0; i <= io.nodemesh.config.TrafficReport.MAX_ROWS; i++) {
      rows.append(i == 0 ? "" : ",")
          .append("{\"listener\":\"default/s")
          .append(i)
          .append(":80\",\"backend\":\"b\",\"source\":\"u\",\"count\":1,\"failures\":0}");
    }
    assertThat(
            post("/api/v1/report", proxy, "{\"node\":\"n\",\"requests\":[" + rows + "]}")
                .statusCode())
        .isEqualTo(400);
    String huge = "{\"node\":\"n\",\"pad\":\"" + "p".repeat(5 * 1024 * 1024) + "\"}";
    assertThat(post("/api/v1/report", proxy, huge).statusCode()).isEqualTo(413);

    String traffic = get("/api/v1/traffic", "alice-token").body();
    assertThat(traffic).doesNotContain("\"nodes\":[{").doesNotContain(longName);
    assertThat(get("/metrics", null).body())
        .contains("nodemesh_controller_traffic_reports_refused_total 5.0");
  }
}
