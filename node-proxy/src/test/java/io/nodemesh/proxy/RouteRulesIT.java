package io.nodemesh.proxy;

import static io.nodemesh.proxy.Configs.config;
import static io.nodemesh.proxy.Configs.freePort;
import static io.nodemesh.proxy.Configs.local;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.MeshConfigJson;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.config.RouteFilter;
import io.nodemesh.config.RouteRule;
import io.nodemesh.config.RouteRule.Match;
import io.nodemesh.config.RouteRule.PathMatch;
import io.nodemesh.config.RouteRule.PathModifier;
import io.nodemesh.config.RouteRule.ValueMatch;
import io.nodemesh.testkit.Closing;
import io.nodemesh.testkit.GrpcEcho;
import io.nodemesh.testkit.HttpBackend;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Gateway API route rules through the real proxy on loopback (issue 17), fed as mesh-config the way
 * the controller will send them: matching, filters, weights, retries, over HTTP/1.1, h2c and gRPC.
 */
class RouteRulesIT {
  @RegisterExtension final Closing closing = new Closing();
  final NodeProxy proxy = closing.add(NodeProxy.start(local()));
  final int port = freePort();

  private static final HttpClient CLIENT =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .build();

  static RouteRule rule(
      String name, List<Match> matches, List<RouteFilter> filters, BackendConfig... backends) {
    return new RouteRule(name, matches, filters, List.of(backends), 0, null, null, null);
  }

  static Match prefix(String p) {
    return new Match(new PathMatch(PathMatch.Type.PATH_PREFIX, p), null, null, null);
  }

  static ListenerConfig listener(int port, BackendConfig root, RouteRule... rules) {
    return Listeners.shopWeb(port, RouteConfig.direct(root).withRules(List.of(rules)));
  }

  /** Version 1: {@code shop/web} on {@code port} to {@code root}, with these rules. */
  private void applyRules(BackendConfig root, RouteRule... rules) {
    proxy.apply(config(1, listener(port, root, rules)));
  }

  static HttpResponse<String> get(int port, String path, String... headers) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(20));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void theFirstMatchingRuleRoutesAndNoMatchIs404() throws Exception {
    HttpBackend v1 = closing.add(new HttpBackend("v1"));
    HttpBackend v2 = closing.add(new HttpBackend("v2"));
    Match canary =
        new Match(
            new PathMatch(PathMatch.Type.PATH_PREFIX, "/api"),
            List.of(new ValueMatch(ValueMatch.Type.EXACT, "x-canary", "yes")),
            List.of(),
            null);
    // Through the wire format, as the controller serves it.
    proxy.apply(
        MeshConfigJson.read(
            MeshConfigJson.write(
                config(
                    1,
                    listener(
                        port,
                        v1.backend("web", 1),
                        rule("shop/web#0", List.of(canary), List.of(), v2.backend("web-v2", 1)),
                        rule(
                            "shop/web#1",
                            List.of(prefix("/api")),
                            List.of(),
                            v1.backend("web", 1)))))));
    assertThat(get(port, "/api/x", "x-canary", "yes").body()).isEqualTo("v2");
    assertThat(get(port, "/api/x").body()).isEqualTo("v1");
    HttpResponse<String> none = get(port, "/other");
    assertThat(none.statusCode()).isEqualTo(404);
    assertThat(none.body()).contains("no route rule of service shop/web matches");
    assertThat(v1.requests.get() + v2.requests.get()).isEqualTo(2);
    // A matched header sent twice could be read one way by one hop and another by the next.
    assertThat(get(port, "/api/x", "x-canary", "no", "x-canary", "yes").statusCode())
        .isEqualTo(400);
  }

  @Test
  void weightsSplitAndABackendWithoutEndpointsGivesItsShareAway() throws Exception {
    HttpBackend a = closing.add(new HttpBackend("a"));
    HttpBackend b = closing.add(new HttpBackend("b"));
    BackendConfig dead = Configs.notReady("web-dead", 50);
    applyRules(
        a.backend("web", 1),
        rule(
            "shop/web#0",
            List.of(),
            List.of(),
            a.backend("web-a", 1),
            b.backend("web-b", 3),
            dead));
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < 200; i++) {
      HttpResponse<String> r = get(port, "/");
      assertThat(r.statusCode()).isEqualTo(200);
      seen.merge(r.body(), 1, Integer::sum);
    }
    System.out.println("rule split 1:3 (+dead 50) over 200 requests: " + seen);
    assertThat(seen).containsEntry("a", 50).containsEntry("b", 150);
  }

  @Test
  void headerModifiersAndUrlRewriteChangeWhatTheBackendAndClientSee() throws Exception {
    HttpBackend v1 = closing.add(new HttpBackend("v1"));
    List<RouteFilter> filters =
        List.of(
            new RouteFilter.RequestHeaderModifier(
                new RouteFilter.HeaderEdits(
                    List.of(new RouteFilter.Header("x-set", "set-by-route")),
                    List.of(new RouteFilter.Header("x-add", "added")),
                    List.of("x-drop"))),
            new RouteFilter.ResponseHeaderModifier(
                new RouteFilter.HeaderEdits(
                    List.of(new RouteFilter.Header("x-served-by", "mesh")), null, null)),
            new RouteFilter.UrlRewrite(
                "internal.web", new PathModifier(PathModifier.Type.REPLACE_PREFIX_MATCH, "/v2")));
    applyRules(
        v1.backend("web", 1),
        rule("shop/web#0", List.of(prefix("/v1")), filters, v1.backend("web", 1)));
    HttpResponse<String> r =
        get(port, "/v1/items?page=2", "x-set", "from-client", "x-drop", "secret");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("x-served-by")).hasValue("mesh");
    assertThat(v1.lastUri).isEqualTo("/v2/items?page=2");
    assertThat(v1.lastHeaders.getFirst("x-set")).isEqualTo("set-by-route");
    assertThat(v1.lastHeaders.getFirst("x-add")).isEqualTo("added");
    assertThat(v1.lastHeaders.containsKey("x-drop")).isFalse();
    assertThat(v1.lastHeaders.getFirst("host")).isEqualTo("internal.web");
  }

  @Test
  void redirectsAndRulesWithoutValidBackendsAnswerThemselves() throws Exception {
    HttpBackend v1 = closing.add(new HttpBackend("v1"));
    RouteRule redirect =
        rule(
            "shop/web#0",
            List.of(prefix("/old")),
            List.of(
                new RouteFilter.RequestRedirect(
                    "https",
                    "new.example",
                    new PathModifier(PathModifier.Type.REPLACE_PREFIX_MATCH, "/new"),
                    null,
                    301)));
    RouteRule invalid = rule("shop/web#1", List.of(prefix("/broken")), List.of());
    RouteRule halfRefused =
        new RouteRule(
            "shop/web#2",
            List.of(prefix("/half")),
            List.of(),
            List.of(v1.backend("web", 1)),
            1,
            null,
            null,
            null);
    applyRules(v1.backend("web", 1), redirect, invalid, halfRefused);
    HttpResponse<String> r = get(port, "/old/a?b=1");
    assertThat(r.statusCode()).isEqualTo(301);
    assertThat(r.headers().firstValue("location")).hasValue("https://new.example/new/a?b=1");
    assertThat(get(port, "/broken").statusCode()).isEqualTo(500);
    int ok = 0;
    int failed = 0;
    for (int i = 0; i < 100; i++) {
      int s = get(port, "/half").statusCode();
      ok += s == 200 ? 1 : 0;
      failed += s == 500 ? 1 : 0;
    }
    // Gateway API: the refused backendRef's share of the weight gets 500.
    assertThat(ok).isBetween(45, 55);
    assertThat(failed).isEqualTo(100 - ok);
    assertThat(v1.requests.get()).isEqualTo(ok);
  }

  @Test
  void aRuleRetriesTheCodesItNames() throws Exception {
    HttpBackend flaky = closing.add(new HttpBackend("flaky").failingFirst(1, 500));
    BackendConfig b = new BackendConfig("web", 1, List.of(flaky.endpoint()));
    RouteRule retrying =
        new RouteRule(
            "shop/web#0",
            List.of(),
            List.of(),
            List.of(b),
            0,
            new RouteRule.Timeouts(10_000, 0),
            new RouteRule.Retry(2, List.of(500), 5),
            null);
    applyRules(b, retrying);
    HttpResponse<String> r = get(port, "/");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(flaky.requests.get()).isEqualTo(2);
    // Without the rule's codes a 500 is not retried (only 502, 503, 504 are).
    flaky.failingFirst(3, 500);
    RouteRule plain = rule("shop/web#0", List.of(), List.of(), b);
    proxy.apply(config(2, listener(port, b, plain)));
    assertThat(get(port, "/").statusCode()).isEqualTo(500);
  }

  @Test
  void backendRequestTimeoutAnswers504() throws Exception {
    HttpBackend slow = closing.add(new HttpBackend("slow"));
    slow.delayMillis = 3_000;
    RouteRule r =
        new RouteRule(
            "shop/web#0",
            List.of(),
            List.of(),
            List.of(slow.backend("web", 1)),
            0,
            new RouteRule.Timeouts(0, 200),
            null,
            null);
    applyRules(slow.backend("web", 1), r);
    long t0 = System.nanoTime();
    assertThat(get(port, "/").statusCode()).isEqualTo(504);
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(2_500));
  }

  @Test
  void rulesRouteH2cStreams() throws Exception {
    HttpBackend v1 = closing.add(new HttpBackend("v1"));
    HttpBackend v2 = closing.add(new HttpBackend("v2"));
    applyRules(
        v1.backend("web", 1),
        rule("shop/web#0", List.of(prefix("/two")), List.of(), v2.backend("web-v2", 1)),
        rule("shop/web#1", List.of(), List.of(), v1.backend("web", 1)));
    try (H2Client h2 = new H2Client(port)) {
      assertThat(h2.get("/two/x", "web.shop.mesh").body()).isEqualTo("v2");
      assertThat(h2.get("/one", "web.shop.mesh").body()).isEqualTo("v1");
    }
  }

  @Test
  void grpcMethodsAreRoutedByPathAndAbortedWithAGrpcStatus() throws Exception {
    GrpcEcho server = closing.add(new GrpcEcho(null));
    BackendConfig b =
        new BackendConfig("echo", 1, List.of(EndpointConfig.ready("127.0.0.1", server.port())));
    String unary = "/" + GrpcEcho.UNARY.getFullMethodName();
    String fail = "/" + GrpcEcho.FAIL.getFullMethodName();
    RouteRule ok =
        rule(
            "grpc:default/echo#0",
            List.of(new Match(new PathMatch(PathMatch.Type.EXACT, unary), null, null, null)),
            List.of(),
            b);
    RouteRule aborted =
        new RouteRule(
            "grpc:default/echo#1",
            List.of(new Match(new PathMatch(PathMatch.Type.EXACT, fail), null, null, null)),
            List.of(),
            List.of(b),
            0,
            null,
            null,
            new RouteRule.Fault(null, new RouteRule.Fault.Abort(503, 8, 100)));
    proxy.apply(
        config(
            1,
            Listeners.grpc("echo", port, RouteConfig.direct(b).withRules(List.of(ok, aborted)))));
    ManagedChannel channel =
        Grpc.newChannelBuilderForAddress("127.0.0.1", port, InsecureChannelCredentials.create())
            .build();
    try {
      CallOptions deadline = CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS);
      byte[] r =
          ClientCalls.blockingUnaryCall(
              channel, GrpcEcho.UNARY, deadline, "hi".getBytes(StandardCharsets.UTF_8));
      assertThat(new String(r, StandardCharsets.UTF_8)).isEqualTo("echo:hi");
      StatusRuntimeException e =
          org.assertj.core.api.Assertions.catchThrowableOfType(
              StatusRuntimeException.class,
              () ->
                  ClientCalls.blockingUnaryCall(
                      channel, GrpcEcho.FAIL, deadline, "x".getBytes(StandardCharsets.UTF_8)));
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
      assertThat(e.getStatus().getDescription()).contains("fault injected");
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void routeMetricsCountPerRule() throws Exception {
    HttpBackend v1 = closing.add(new HttpBackend("v1"));
    applyRules(
        v1.backend("web", 1),
        rule("shop/web#0", List.of(prefix("/a")), List.of(), v1.backend("web", 1)),
        rule("shop/web#1", List.of(prefix("/b")), List.of()));
    for (int i = 0; i < 7; i++) {
      get(port, "/a");
    }
    for (int i = 0; i < 3; i++) {
      get(port, "/b");
    }
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              Scrape s = Scrape.of(proxy);
              assertThat(
                      s.sum("nodemesh_route_requests_total", "route=shop/web#0", "code_class=2xx"))
                  .isEqualTo(7);
              assertThat(
                      s.sum("nodemesh_route_requests_total", "route=shop/web#1", "code_class=5xx"))
                  .isEqualTo(3);
              assertThat(s.sum("nodemesh_route_request_duration_seconds_count", "route=shop/web#0"))
                  .isEqualTo(7);
            });
  }
}
