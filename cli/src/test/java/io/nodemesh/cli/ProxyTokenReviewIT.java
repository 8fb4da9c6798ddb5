package io.nodemesh.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.utils.ResponseProvider;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.controller.Controller;
import io.nodemesh.controller.source.InformerSource;
import io.nodemesh.proxy.NodeProxy;
import io.nodemesh.proxy.ProxyOptions;
import java.io.IOException;
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
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8, "the controller's config API is read-only and accepts only proxies", end to end: a real
 * controller started with a proxy ServiceAccount (what {@code nodemesh controller
 * --proxy-service-account} does) on informers against fabric8's mock API server, whose TokenReview
 * answers depend on the token, and real node proxies with a token file (what {@code nodemesh proxy
 * --token-file} does). Also "admin endpoints never expose secrets": every endpoint of both, and
 * every log line, is searched for the tokens.
 */
@EnableKubernetesMockClient(crud = true)
class ProxyTokenReviewIT {
  // Instance fields: a fresh mock API server, and fresh expectations, for every test.
  KubernetesClient client;
  KubernetesMockServer server;

  private static final String NS = "shop";
  private static final String REVIEWS = "/apis/authentication.k8s.io/v1/tokenreviews";
  private static final String PROXY_USER = "system:serviceaccount:nodemesh:nodemesh-proxy";
  private static final Pattern TOKEN = Pattern.compile("\"token\"\\s*:\\s*\"([^\"]*)\"");

  // Tokens that look like secrets, so that finding one anywhere cannot be a coincidence.
  // Shaped like projected ServiceAccount tokens (audience nodemesh), which the controller's
  // pre-filter requires before it asks for a review.
  private static final String PROXY_TOKEN = jwt(PROXY_USER, "Sig1x9Q");
  private static final String ROTATED_TOKEN = jwt(PROXY_USER, "Sig2k7W");
  private static final String APP_TOKEN = jwt("system:serviceaccount:shop:default", "Sig3p4Z");
  private static final String EXPIRED_TOKEN = jwt(PROXY_USER, "Sig4m2V");
  private static final String LATE_TOKEN = jwt(PROXY_USER, "Sig5r8T");

  private static String jwt(String subject, String signature) {
    java.util.Base64.Encoder b64 = java.util.Base64.getUrlEncoder().withoutPadding();
    String claims =
        "{\"aud\":[\"nodemesh\"],\"sub\":\"" + subject + "\",\"jti\":\"" + signature + "\"}";
    return b64.encodeToString(
            "{\"alg\":\"RS256\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8))
        + "."
        + b64.encodeToString(claims.getBytes(java.nio.charset.StandardCharsets.UTF_8))
        + "."
        + signature;
  }

  private static final List<String> ALL_TOKENS =
      List.of(PROXY_TOKEN, ROTATED_TOKEN, APP_TOKEN, EXPIRED_TOKEN, LATE_TOKEN);

  /** Token → user the API server vouches for; absent: not authenticated. */
  private final Map<String, String> users = new ConcurrentHashMap<>();

  /** When set, the TokenReview API answers 503. */
  private final AtomicBoolean reviewsDown = new AtomicBoolean();

  /** Tokens the controller asked about, in order. */
  private final Queue<String> reviewed = new ConcurrentLinkedQueue<>();

  private final List<AutoCloseable> running = new ArrayList<>();
  private final Queue<String> logLines = new ConcurrentLinkedQueue<>();
  private final Handler logCapture =
      new Handler() {
        private final SimpleFormatter formatter = new SimpleFormatter();

        @Override
        public void publish(LogRecord record) {
          logLines.add(formatter.format(record));
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };

  @TempDir Path dir;
  private DemoBackend backend;
  private Controller controller;
  private final HttpClient http = Traffic.client();

  @BeforeEach
  void start() {
    Logger.getLogger("").addHandler(logCapture);
    users.put(PROXY_TOKEN, PROXY_USER);
    users.put(ROTATED_TOKEN, PROXY_USER);
    users.put(LATE_TOKEN, PROXY_USER);
    users.put(APP_TOKEN, "system:serviceaccount:shop:default");
    server.expect().post().withPath(REVIEWS).andReply(new Reviews()).always();
    backend = DemoBackend.start("echo-v1", "127.0.0.1", 0);
    running.add(backend);
    service("echo");
    controller = startController();
  }

  @AfterEach
  void stop() {
    Logger.getLogger("").removeHandler(logCapture);
    Lifecycle.closeAll(running.reversed().toArray(AutoCloseable[]::new));
    http.close();
  }

  @Test
  void onlyTheProxyAccountReadsTheConfigAndEveryRefusalIsCounted() throws Exception {
    Path token = token("proxy", PROXY_TOKEN);
    NodeProxy proxy = appliedProxy(token);
    URI echo = URI.create("http://127.0.0.1:" + listener("echo").proxyPort() + "/");
    assertThat(Traffic.once(http, echo)).isEqualTo("echo-v1");
    assertThat(reviewed).contains(PROXY_TOKEN);

    NodeProxy otherAccount = startProxy("node-b", token("app", APP_TOKEN));
    NodeProxy expired = startProxy("node-c", token("expired", EXPIRED_TOKEN));
    NodeProxy noToken = startProxy("node-d", null);
    awaitRefused("forbidden", "unauthenticated");
    // No token at all is refused before any TokenReview; the expired one after it.
    await().atMost(Duration.ofSeconds(5)).until(() -> reviewed.contains(EXPIRED_TOKEN));
    assertThat(reviewed).as("tokens reviewed").doesNotContain("null");
    for (NodeProxy refusedProxy : List.of(otherAccount, expired, noToken)) {
      assertThat(refusedProxy.appliedVersion()).as("a refused proxy has no config").isEqualTo(-1);
      assertThat(adminGet(refusedProxy, "/ready").statusCode()).isEqualTo(503);
    }
    // What each refused proxy is told, asked directly.
    assertThat(configGet(null).statusCode()).isEqualTo(401);
    assertThat(configGet(EXPIRED_TOKEN).statusCode()).isEqualTo(401);
    HttpResponse<String> forbidden = configGet(APP_TOKEN);
    assertThat(forbidden.statusCode()).isEqualTo(403);
    assertThat(forbidden.body())
        .contains("system:serviceaccount:shop:default")
        .doesNotContain(APP_TOKEN);
    assertThat(configGet(PROXY_TOKEN).statusCode()).isEqualTo(200);

    // The real proxy keeps up with changes all along.
    service("cart");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> applied(proxy) && hasListener(proxy, "cart"));
    assertThat(Traffic.once(http, echo)).isEqualTo("echo-v1");
  }

  @Test
  void aRotatedTokenFileIsReadAtTheNextPollAndAWrongOneKeepsTheLastConfig() throws Exception {
    Path token = token("proxy", PROXY_TOKEN);
    NodeProxy proxy = appliedProxy(token);

    // The kubelet rewrites the projected token; the old one stops being valid.
    Files.writeString(token, ROTATED_TOKEN + "\n");
    users.remove(PROXY_TOKEN);
    service("cart");

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              assertThat(reviewed).contains(ROTATED_TOKEN);
              assertThat(applied(proxy) && hasListener(proxy, "cart")).isTrue();
            });
    service("pay");
    await().atMost(Duration.ofSeconds(10)).until(() -> applied(proxy) && hasListener(proxy, "pay"));

    // A token of another ServiceAccount in the file (a mix-up, or a stolen file swapped in): 403,
    // and the proxy keeps serving the last config it had.
    URI echo = URI.create("http://127.0.0.1:" + listener("echo").proxyPort() + "/");
    long kept = proxy.appliedVersion();
    Files.writeString(token, APP_TOKEN);
    service("shipping");
    awaitRefused("forbidden");
    service("billing");
    await().atMost(Duration.ofSeconds(10)).until(() -> listenerOrNull("billing") != null);
    double refusedSoFar = refusals("forbidden");
    await().atMost(Duration.ofSeconds(10)).until(() -> refusals("forbidden") >= refusedSoFar + 2);
    assertThat(hasListener(proxy, "billing")).isFalse();
    assertThat(proxy.appliedVersion()).isGreaterThanOrEqualTo(kept);
    assertThat(Traffic.once(http, echo)).isEqualTo("echo-v1");

    Files.writeString(token, ROTATED_TOKEN);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> applied(proxy) && hasListener(proxy, "billing"));
  }

  @Test
  void tokenReviewApiDownIs503AndTheProxyKeepsItsConfigAndRetries() throws Exception {
    Path token = token("proxy", PROXY_TOKEN);
    NodeProxy proxy = appliedProxy(token);
    URI echo = URI.create("http://127.0.0.1:" + listener("echo").proxyPort() + "/");
    long before = proxy.appliedVersion();

    // A token the controller has not reviewed yet, while the API server cannot review it. The
    // poll already waiting was authorised before and may still deliver one change.
    reviewsDown.set(true);
    Files.writeString(token, LATE_TOKEN);
    service("cart");
    awaitRefused("unavailable");
    HttpResponse<String> unavailable = configGet(LATE_TOKEN);
    assertThat(unavailable.statusCode()).isEqualTo(503);
    assertThat(unavailable.body()).contains("cannot review the token").doesNotContain(LATE_TOKEN);

    long kept = proxy.appliedVersion();
    service("pay");
    await().atMost(Duration.ofSeconds(10)).until(() -> listenerOrNull("pay") != null);
    double refusedSoFar = refusals("unavailable");
    // The proxy keeps asking (with backoff) and keeps what it has.
    await().atMost(Duration.ofSeconds(10)).until(() -> refusals("unavailable") >= refusedSoFar + 2);
    assertThat(hasListener(proxy, "pay")).as("no config passes while reviews fail").isFalse();
    assertThat(proxy.appliedVersion()).isEqualTo(kept).isGreaterThanOrEqualTo(before);
    assertThat(Traffic.once(http, echo)).as("last good config still routes").isEqualTo("echo-v1");

    reviewsDown.set(false);
    await().atMost(Duration.ofSeconds(10)).until(() -> applied(proxy) && hasListener(proxy, "pay"));
    assertThat(reviewed).contains(LATE_TOKEN);
  }

  @Test
  void theConfigApiIsReadOnly() throws Exception {
    NodeProxy proxy = startProxy("node-a", token("proxy", PROXY_TOKEN));
    await().atMost(Duration.ofSeconds(10)).until(() -> applied(proxy));
    long version = controller.currentConfig().version();
    String body = "{\"version\":99999999999999,\"meshDomain\":\"evil\",\"listeners\":[]}";
    for (String path :
        List.of("/api/v1/config", "/api/v1/problems", "/api/v1/explain", "/metrics", "/healthz")) {
      for (String method : List.of("POST", "PUT", "PATCH", "DELETE")) {
        HttpResponse<String> resp =
            http.send(
                HttpRequest.newBuilder(api(path))
                    .method(method, HttpRequest.BodyPublishers.ofString(body))
                    .header("Authorization", "Bearer " + PROXY_TOKEN)
                    .header("Content-Type", "application/json")
                    .timeout(Duration.ofSeconds(5))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        // No route takes anything but GET, so Helidon finds none.
        assertThat(resp.statusCode()).as("%s %s", method, path).isEqualTo(404);
      }
    }
    assertThat(controller.currentConfig().version()).isEqualTo(version);
    assertThat(controller.currentConfig().meshDomain()).isEqualTo("mesh");
    assertThat(proxy.appliedVersion()).isEqualTo(version);
  }

  @Test
  void noAdminEndpointAndNoLogLineShowsAToken() throws Exception {
    NodeProxy proxy = startProxy("node-a", token("proxy", PROXY_TOKEN));
    NodeProxy refused = startProxy("node-b", token("app", APP_TOKEN));
    startProxy("node-c", token("expired", EXPIRED_TOKEN));
    await().atMost(Duration.ofSeconds(10)).until(() -> applied(proxy));
    awaitRefused("forbidden", "unauthenticated");
    configGet(APP_TOKEN);
    configGet(EXPIRED_TOKEN);

    List<String> pages = new ArrayList<>();
    for (String path :
        List.of(
            "/healthz",
            "/readyz",
            "/metrics",
            "/api/v1/problems",
            "/api/v1/explain",
            "/api/v1/explain?from=shop/x&to=shop/echo",
            "/api/v1/config")) {
      pages.add(
          path
              + ": "
              + http.send(
                      HttpRequest.newBuilder(api(path))
                          .header("Authorization", "Bearer " + PROXY_TOKEN)
                          .build(),
                      HttpResponse.BodyHandlers.ofString())
                  .body());
    }
    for (NodeProxy p : List.of(proxy, refused)) {
      for (String path : List.of("/ping", "/ready", "/metrics", "/config")) {
        HttpResponse<String> resp = adminGet(p, path);
        pages.add("proxy " + path + " " + resp.headers().map() + ": " + resp.body());
      }
    }
    assertThat(String.join("\n", pages)).contains("echo").contains("nodemesh_");
    for (String secret : ALL_TOKENS) {
      assertThat(pages).as("pages").noneMatch(page -> page.contains(secret));
      assertThat(logLines).as("log lines").noneMatch(line -> line.contains(secret));
    }
    assertThat(logLines).as("log lines").isNotEmpty();
  }

  // ---- the mock API server's TokenReview

  /** Answers a TokenReview as the API server would, from {@link #users}. */
  private final class Reviews implements ResponseProvider<Object> {
    private Headers headers = new Headers.Builder().build();

    @Override
    public Object getBody(RecordedRequest request) {
      if (reviewsDown.get()) {
        return "{\"kind\":\"Status\",\"code\":503,\"message\":\"etcd unavailable\"}";
      }
      Matcher m = TOKEN.matcher(request.getBody().readUtf8());
      String token = m.find() ? m.group(1) : null;
      reviewed.add(String.valueOf(token));
      String user = token == null ? null : users.get(token);
      TokenReview answer =
          user == null
              ? new TokenReviewBuilder()
                  .withNewStatus()
                  .withAuthenticated(false)
                  .withError("[invalid bearer token, token has expired]")
                  .endStatus()
                  .build()
              : new TokenReviewBuilder()
                  .withNewStatus()
                  .withAuthenticated(true)
                  .withAudiences("nodemesh")
                  .withNewUser()
                  .withUsername(user)
                  .endUser()
                  .endStatus()
                  .build();
      return answer;
    }

    @Override
    public int getStatusCode(RecordedRequest request) {
      return reviewsDown.get() ? 503 : 201;
    }

    @Override
    public Headers getHeaders() {
      return headers;
    }

    @Override
    public void setHeaders(Headers headers) {
      this.headers = headers;
    }
  }

  // ---- helpers

  /** Waits until the controller has counted at least one refusal for each reason. */
  private void awaitRefused(String... reasons) {
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              for (String reason : reasons) {
                assertThat(refusals(reason)).as("refusals for %s", reason).isPositive();
              }
            });
  }

  private double refusals(String reason) throws Exception {
    Matcher m =
        Pattern.compile(
                "nodemesh_controller_config_auth_refused_total\\{reason=\""
                    + reason
                    + "\"} ([0-9.E]+)")
            .matcher(controllerMetrics());
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

  private Controller startController() {
    KubernetesClient own = TestControllers.ownClient(client);
    running.add(own::close);
    Controller c =
        Controller.start(
            TestControllers.options("it-controller"),
            new InformerSource(own, null),
            own,
            "nodemesh-proxy");
    running.add(c);
    return c;
  }

  private NodeProxy startProxy(String node, Path tokenFile) {
    ProxyOptions options =
        new ProxyOptions(
                URI.create("http://127.0.0.1:" + controller.apiPort()), "127.0.0.1", 0, -1, node, 1)
            .withTokenFile(tokenFile);
    NodeProxy p = NodeProxy.start(options);
    running.add(p);
    return p;
  }

  /** A proxy on node-a reading {@code token}, once it applied the controller's config. */
  private NodeProxy appliedProxy(Path token) {
    NodeProxy proxy = startProxy("node-a", token);
    await().atMost(Duration.ofSeconds(10)).until(() -> applied(proxy));
    return proxy;
  }

  private Path token(String name, String value) throws IOException {
    Path file = dir.resolve(name + "-token");
    Files.writeString(file, value + "\n");
    return file;
  }

  private boolean applied(NodeProxy proxy) {
    long version = controller.currentConfig().version();
    return version > 0 && proxy.appliedVersion() == version;
  }

  private static boolean hasListener(NodeProxy proxy, String service) {
    return proxy.config() != null
        && proxy.config().listeners().stream().anyMatch(l -> l.service().equals(service));
  }

  private ListenerConfig listener(String service) {
    ListenerConfig l = listenerOrNull(service);
    assertThat(l).as("listener of %s", service).isNotNull();
    return l;
  }

  private ListenerConfig listenerOrNull(String service) {
    return controller.currentConfig().listeners().stream()
        .filter(l -> l.namespace().equals(NS) && l.service().equals(service))
        .findFirst()
        .orElse(null);
  }

  private URI api(String path) {
    return URI.create("http://127.0.0.1:" + controller.apiPort() + path);
  }

  private HttpResponse<String> configGet(String token) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(api("/api/v1/config")).timeout(Duration.ofSeconds(5));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private String controllerMetrics() throws Exception {
    return http.send(
            HttpRequest.newBuilder(api("/metrics")).build(), HttpResponse.BodyHandlers.ofString())
        .body();
  }

  private HttpResponse<String> adminGet(NodeProxy proxy, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.adminPort() + path))
            .timeout(Duration.ofSeconds(5))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private void service(String name) {
    TestControllers.createService(client, NS, name, 80);
    TestControllers.createSlice(client, NS, name, backend.port());
  }
}
