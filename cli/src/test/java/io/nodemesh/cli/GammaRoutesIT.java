package io.nodemesh.cli;

import static io.nodemesh.testkit.K8s.annotate;
import static io.nodemesh.testkit.K8s.service;
import static io.nodemesh.testkit.K8s.slice;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteParentStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.controller.Controller;
import io.nodemesh.controller.ControllerOptions;
import io.nodemesh.controller.source.InformerSource;
import io.nodemesh.proxy.NodeProxy;
import io.nodemesh.testkit.GrpcBytes;
import io.nodemesh.testkit.GrpcEcho;
import io.nodemesh.testkit.HttpBackend;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mesh-facing fields of HTTPRoute end to end (issue 17): a real controller reads the route, a
 * real node proxy serves the traffic, and each field does what the Gateway API spec says. One table
 * of cases (field, route, requests, what the client and the backends see, status conditions) runs
 * twice, with one controller and one proxy per mode and the route updated per case: local mode
 * (YAML files) and the controller on informers against fabric8's mock API server, where the route's
 * {@code status.parents} conditions written by the controller are checked as well.
 *
 * <p>The world: Service shop/web (port 80, the route's parent) and shop/web-v1, web-v2, web-mirror,
 * web-slow, web-flaky (every odd-numbered request it receives is answered 500), each served by its
 * own {@link HttpBackend} that answers its name; shop/echo and shop/echo-v1 (gRPC, h2c, port 50051)
 * served by a {@link GrpcEcho}.
 */
@EnableKubernetesMockClient(crud = true)
class GammaRoutesIT {
  static KubernetesClient client;

  private static final String NS = "shop";
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final KubernetesSerialization YAML = new KubernetesSerialization();

  @TempDir Path dir;

  private final List<AutoCloseable> closing = new ArrayList<>();
  private final Map<String, HttpBackend> backends = new LinkedHashMap<>();
  private int grpcPort;
  private static final String GRPC = "GRPC";

  /** A condition the route's status must not carry (any more). */
  private static final String ABSENT = "absent";

  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  @AfterEach
  void stop() {
    closing.add(http::close);
    Lifecycle.closeAll(closing.reversed().toArray(AutoCloseable[]::new));
  }

  /** What the client got. */
  record Answer(int status, String body, HttpResponse<String> response) {}

  /** One request and what must hold after it. */
  record Check(
      String what,
      String method,
      String path,
      Map<String, String> headers,
      Consumer<Answer> expect) {}

  /**
   * A row of the table: the field under test, the route's rules (YAML under {@code rules:}), the
   * requests, and the route's conditions (type to status, or status/reason).
   */
  record Case(
      String field,
      String kind,
      String route,
      String service,
      int port,
      List<Check> checks,
      Map<String, String> conditions) {
    /** An HTTPRoute shop/web on Service web port 80 with these rules. */
    Case(String field, String rules, List<Check> checks, Map<String, String> conditions) {
      this(field, "HTTPRoute", GammaRoutesIT.route(rules), "web", 80, checks, conditions);
    }
  }

  /** The two harnesses. */
  interface Mesh {
    void putRoute(String kind, String yaml) throws IOException;

    Controller controller();

    NodeProxy proxy();

    /**
     * The conditions of our parent status on the route {@code shop/<service>}, empty where the mode
     * writes none.
     */
    Optional<Map<String, String>> conditions(String kind, String name);
  }

  @Test
  void everyFieldInLocalMode() throws Exception {
    startBackends();
    Path world = dir.resolve("world");
    Files.createDirectories(world);
    StringBuilder base = new StringBuilder();
    for (HasMetadata o : base()) {
      base.append(YAML.asYaml(o)).append("\n---\n");
    }
    Files.writeString(world.resolve("services.yaml"), base);
    LocalMesh local = LocalMesh.start(world, options(), 0, 0);
    closing.add(local);
    runTable(
        new Mesh() {
          @Override
          public void putRoute(String kind, String yaml) throws IOException {
            Manifests.replace(world.resolve(kind.toLowerCase(Locale.ROOT) + ".yaml"), yaml);
          }

          @Override
          public Controller controller() {
            return local.controller();
          }

          @Override
          public NodeProxy proxy() {
            return local.proxy();
          }

          @Override
          public Optional<Map<String, String>> conditions(String kind, String name) {
            return Optional.empty();
          }
        });
  }

  @Test
  void everyFieldOnTheMockApiServer() throws Exception {
    startBackends();
    base().forEach(o -> client.resource(o).createOr(r -> r.update()));
    KubernetesClient own = TestControllers.ownClient(client);
    closing.add(own);
    Controller controller = Controller.start(options(), new InformerSource(own, null), own);
    closing.add(controller);
    NodeProxy proxy = TestControllers.proxyOf(controller);
    closing.add(proxy);
    runTable(
        new Mesh() {
          @Override
          public void putRoute(String kind, String yaml) {
            HasMetadata r = client.getKubernetesSerialization().unmarshal(yaml);
            client.resource(r).createOr(x -> x.update());
          }

          @Override
          public Controller controller() {
            return controller;
          }

          @Override
          public NodeProxy proxy() {
            return proxy;
          }

          @Override
          public Optional<Map<String, String>> conditions(String kind, String name) {
            List<RouteParentStatus> parents = null;
            if (kind.equals("GRPCRoute")) {
              GRPCRoute r = client.resources(GRPCRoute.class).inNamespace(NS).withName(name).get();
              parents = r == null || r.getStatus() == null ? null : r.getStatus().getParents();
            } else {
              HTTPRoute r = client.resources(HTTPRoute.class).inNamespace(NS).withName(name).get();
              parents = r == null || r.getStatus() == null ? null : r.getStatus().getParents();
            }
            Map<String, String> out = new LinkedHashMap<>();
            if (parents != null) {
              for (RouteParentStatus p : parents) {
                if ("nodemesh.io/mesh".equals(p.getControllerName())) {
                  for (Condition c : p.getConditions()) {
                    out.put(c.getType(), c.getStatus() + "/" + c.getReason());
                  }
                }
              }
            }
            return Optional.of(out);
          }
        });
  }

  private void runTable(Mesh mesh) {
    await().atMost(WAIT).until(() -> web(mesh) != null && mesh.proxy().appliedVersion() > 0);
    for (Case c : cases()) {
      long before = mesh.controller().currentConfig().version();
      try {
        mesh.putRoute(c.kind(), c.route());
      } catch (IOException e) {
        throw new AssertionError(e);
      }
      await()
          .atMost(WAIT)
          .alias(c.field() + ": the route reaches the proxy")
          .until(
              () ->
                  mesh.controller().currentConfig().version() > before
                      && mesh.proxy().appliedVersion()
                          >= mesh.controller().currentConfig().version());
      await()
          .atMost(WAIT)
          .pollInterval(Duration.ofMillis(200))
          .untilAsserted(
              () -> {
                for (Check k : c.checks()) {
                  Answer a = send(mesh, c, k);
                  try {
                    k.expect().accept(a);
                  } catch (AssertionError e) {
                    throw new AssertionError(
                        c.field() + " / " + k.what() + ": " + e.getMessage(), e);
                  }
                }
              });
      mesh.conditions(c.kind(), c.service())
          .ifPresent(
              ignored ->
                  await()
                      .atMost(WAIT)
                      .untilAsserted(
                          () -> {
                            Map<String, String> got =
                                mesh.conditions(c.kind(), c.service()).orElseThrow();
                            c.conditions()
                                .forEach(
                                    (type, expected) -> {
                                      if (expected.equals(ABSENT)) {
                                        assertThat(got)
                                            .as(c.field() + ": status.parents conditions")
                                            .doesNotContainKey(type);
                                      } else {
                                        assertThat(got)
                                            .as(c.field() + ": status.parents conditions")
                                            .containsEntry(type, expected);
                                      }
                                    });
                          }));
    }
  }

  private List<Case> cases() {
    HttpBackend v1 = backends.get("web-v1");
    HttpBackend mirror = backends.get("web-mirror");
    HttpBackend v2 = backends.get("web-v2");
    HttpBackend flaky = backends.get("web-flaky");
    String unmirrored = "/mirror-zero/" + System.nanoTime();
    Map<String, String> ok =
        Map.of("Accepted", "True/Accepted", "ResolvedRefs", "True/ResolvedRefs");
    Map<String, String> none = Map.of();
    return List.of(
        new Case(
            "backendRefs weight 100/0",
            """
            - backendRefs:
              - {name: web-v1, port: 80, weight: 100}
              - {name: web-v2, port: 80, weight: 0}
            """,
            times(5, get("all to v1", "/", none, served("web-v1"))),
            ok),
        new Case(
            "backendRefs weight 0/100",
            """
            - backendRefs:
              - {name: web-v1, port: 80, weight: 0}
              - {name: web-v2, port: 80, weight: 100}
            """,
            times(5, get("all to v2", "/", none, served("web-v2"))),
            ok),
        new Case(
            "matches.path Exact, PathPrefix, RegularExpression; no match is 404",
            """
            - matches: [{path: {type: Exact, value: /exact}}]
              backendRefs: [{name: web-v1, port: 80}]
            - matches: [{path: {type: PathPrefix, value: /pre}}]
              backendRefs: [{name: web-v2, port: 80}]
            - matches: [{path: {type: RegularExpression, value: "/re/[0-9]+"}}]
              backendRefs: [{name: web-mirror, port: 80}]
            """,
            List.of(
                get("Exact", "/exact", none, served("web-v1")),
                get("Exact is not a prefix", "/exact/more", none, status(404)),
                get("PathPrefix", "/pre/x", none, served("web-v2")),
                get("PathPrefix itself", "/pre", none, served("web-v2")),
                get("PathPrefix by path element", "/prefix", none, status(404)),
                get("RegularExpression", "/re/123", none, served("web-mirror")),
                get("RegularExpression on the whole path", "/re/12a", none, status(404))),
            ok),
        new Case(
            "matches.headers",
            """
            - matches: [{headers: [{name: x-env, value: canary}]}]
              backendRefs: [{name: web-v2, port: 80}]
            - matches: [{headers: [{type: RegularExpression, name: x-user, value: "admin-[0-9]+"}]}]
              backendRefs: [{name: web-mirror, port: 80}]
            - backendRefs: [{name: web-v1, port: 80}]
            """,
            List.of(
                get("header matches", "/", Map.of("X-Env", "canary"), served("web-v2")),
                get("RegularExpression", "/", Map.of("x-user", "admin-42"), served("web-mirror")),
                get(
                    "RegularExpression whole value",
                    "/",
                    Map.of("x-user", "admin-4x"),
                    served("web-v1")),
                get("other value", "/", Map.of("x-env", "prod"), served("web-v1")),
                get("no header", "/", none, served("web-v1"))),
            ok),
        new Case(
            "matches.queryParams",
            """
            - matches: [{queryParams: [{name: env, value: canary}]}]
              backendRefs: [{name: web-v2, port: 80}]
            - matches: [{queryParams: [{type: RegularExpression, name: id, value: "[0-9]+"}]}]
              backendRefs: [{name: web-mirror, port: 80}]
            - backendRefs: [{name: web-v1, port: 80}]
            """,
            List.of(
                get("RegularExpression", "/?id=12", none, served("web-mirror")),
                get("RegularExpression whole value", "/?id=12a", none, served("web-v1")),
                get("param matches", "/?a=1&env=canary", none, served("web-v2")),
                get("other value", "/?env=prod", none, served("web-v1")),
                get("no param", "/", none, served("web-v1"))),
            ok),
        new Case(
            "matches.method",
            """
            - matches: [{method: POST}]
              backendRefs: [{name: web-v2, port: 80}]
            - backendRefs: [{name: web-v1, port: 80}]
            """,
            List.of(
                new Check("POST", "POST", "/", none, served("web-v2")),
                new Check("GET", "GET", "/", none, served("web-v1"))),
            ok),
        new Case(
            "filters RequestHeaderModifier",
            """
            - filters:
              - type: RequestHeaderModifier
                requestHeaderModifier:
                  set: [{name: x-set, value: mesh}]
                  add: [{name: x-add, value: two}]
                  remove: [x-drop]
              backendRefs: [{name: web-v1, port: 80}]
            """,
            List.of(
                get(
                    "headers changed",
                    "/",
                    Map.of("x-set", "client", "x-add", "one", "x-drop", "secret"),
                    a -> {
                      served("web-v1").accept(a);
                      assertThat(v1.lastHeaders.get("x-set")).containsExactly("mesh");
                      assertThat(v1.lastHeaders.get("x-add")).containsExactly("one", "two");
                      assertThat(v1.lastHeaders.containsKey("x-drop")).isFalse();
                    })),
            ok),
        new Case(
            "filters ResponseHeaderModifier",
            """
            - filters:
              - type: ResponseHeaderModifier
                responseHeaderModifier:
                  set: [{name: x-served-by, value: mesh}]
              backendRefs: [{name: web-v1, port: 80}]
            """,
            List.of(
                get(
                    "header on the answer",
                    "/",
                    none,
                    a -> {
                      served("web-v1").accept(a);
                      assertThat(a.response().headers().allValues("x-served-by"))
                          .containsExactly("mesh");
                    })),
            ok),
        new Case(
            "filters RequestRedirect",
            """
            - matches: [{path: {type: PathPrefix, value: /moved}}]
              filters:
              - type: RequestRedirect
                requestRedirect:
                  port: 8080
                  path: {type: ReplacePrefixMatch, replacePrefixMatch: /here}
            - filters:
              - type: RequestRedirect
                requestRedirect: {scheme: https, hostname: example.com, statusCode: 301}
            """,
            List.of(
                get(
                    "port and prefix; 302 by default",
                    "/moved/page",
                    none,
                    a -> {
                      assertThat(a.status()).isEqualTo(302);
                      assertThat(a.response().headers().firstValue("location"))
                          .hasValue("http://127.0.0.1:8080/here/page");
                    }),
                get(
                    "redirected",
                    "/old/page",
                    none,
                    a -> {
                      assertThat(a.status()).isEqualTo(301);
                      assertThat(a.response().headers().firstValue("location"))
                          .hasValue("https://example.com/old/page");
                    })),
            ok),
        new Case(
            "filters URLRewrite ReplacePrefixMatch",
            """
            - matches: [{path: {type: PathPrefix, value: /old}}]
              filters:
              - type: URLRewrite
                urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /new}}
              backendRefs: [{name: web-v1, port: 80}]
            """,
            List.of(
                get(
                    "prefix replaced",
                    "/old/page?q=1",
                    none,
                    a -> {
                      served("web-v1").accept(a);
                      assertThat(v1.lastUri).isEqualTo("/new/page?q=1");
                    })),
            ok),
        new Case(
            "filters URLRewrite ReplaceFullPath",
            """
            - matches: [{path: {type: PathPrefix, value: /full}}]
              filters:
              - type: URLRewrite
                urlRewrite:
                  hostname: rewritten.example
                  path: {type: ReplaceFullPath, replaceFullPath: /replaced}
              backendRefs: [{name: web-v1, port: 80}]
            """,
            List.of(
                get(
                    "path replaced",
                    "/full/page",
                    none,
                    a -> {
                      served("web-v1").accept(a);
                      assertThat(v1.lastUri).isEqualTo("/replaced");
                      assertThat(v1.lastHeaders.getFirst("host")).isEqualTo("rewritten.example");
                    })),
            ok),
        new Case(
            "filters RequestMirror",
            """
            - filters:
              - type: RequestMirror
                requestMirror: {backendRef: {name: web-mirror, port: 80}}
              backendRefs: [{name: web-v1, port: 80}]
            """,
            List.of(
                new Check(
                    "a copy reaches the mirror",
                    "GET",
                    "/mirrored/" + System.nanoTime(),
                    none,
                    a -> {
                      served("web-v1").accept(a);
                      // The copy travels on its own, not before the answer: a miss here is retried
                      // by the case's await, with another request of the same path.
                      assertThat(mirror.lastUri).isEqualTo(v1.lastUri);
                    })),
            ok),
        new Case(
            "timeouts.backendRequest",
            """
            - matches: [{path: {type: PathPrefix, value: /whole}}]
              timeouts: {request: 300ms}
              backendRefs: [{name: web-slow, port: 80}]
            - timeouts: {backendRequest: 300ms}
              backendRefs: [{name: web-slow, port: 80}]
            """,
            List.of(
                get("backendRequest, slow backend", "/", none, status(504)),
                get("request, slow backend", "/whole", none, status(504))),
            ok),
        new Case(
            "retry attempts and codes (experimental)",
            """
            - matches: [{path: {type: PathPrefix, value: /retry}}]
              retry: {attempts: 2, codes: [500]}
              backendRefs: [{name: web-flaky, port: 80}]
            - backendRefs: [{name: web-flaky, port: 80}]
            """,
            // web-flaky fails its odd-numbered requests. A retried request always ends on an even
            // one (a 200), so the request without retry right after it is an odd one: its 500
            // reaches the client. A round of this list that fails starts over from a retried one.
            List.of(
                get(
                    "with retry: the 500 is retried, the client gets 200",
                    "/retry/a",
                    none,
                    a -> {
                      served("web-flaky").accept(a);
                      assertThat(flaky.received.get() % 2).as("requests web-flaky saw").isZero();
                    }),
                get(
                    "with retry again: a first attempt that fails is retried",
                    "/retry/b",
                    none,
                    a -> {
                      served("web-flaky").accept(a);
                      assertThat(flaky.received.get() % 2).as("requests web-flaky saw").isZero();
                    }),
                get("without retry: the client sees the 500", "/plain", none, status(500)),
                get(
                    "without retry: the next one is answered",
                    "/plain",
                    none,
                    served("web-flaky"))),
            ok),
        new Case(
            "filters RequestMirror percent 0",
            """
            - filters:
              - type: RequestMirror
                requestMirror: {backendRef: {name: web-mirror, port: 80}, percent: 0}
              - type: RequestMirror
                requestMirror: {backendRef: {name: web-v2, port: 80}, percent: 100}
              backendRefs: [{name: web-v1, port: 80}]
            """,
            // The copy to web-v2 (100 %) is the sign that the request's copies were made; the one
            // to web-mirror (0 %) must never be.
            times(
                3,
                new Check(
                    "no copy reaches the 0 % mirror",
                    "GET",
                    unmirrored,
                    none,
                    a -> {
                      served("web-v1").accept(a);
                      assertThat(v2.lastUri)
                          .as("the copy to the 100 percent mirror")
                          .isEqualTo(unmirrored);
                      assertThat(mirror.lastUri)
                          .as("the 0 percent mirror")
                          .isNotEqualTo(unmirrored);
                    })),
            ok),
        new Case(
            "backendRefs unresolved",
            """
            - backendRefs:
              - {name: web-gone, port: 80}
            """,
            List.of(get("its share is answered 500", "/", none, status(500))),
            Map.of("Accepted", "True/Accepted", "ResolvedRefs", "False/BackendNotFound")),
        new Case(
            "filters ExtensionRef (unsupported): its rule is dropped, the others serve",
            """
            - matches: [{path: {type: PathPrefix, value: /ext}}]
              filters:
              - type: ExtensionRef
                extensionRef: {group: example.com, kind: Thing, name: x}
              backendRefs: [{name: web-v2, port: 80}]
            - backendRefs: [{name: web-v1, port: 80}]
            """,
            List.of(
                get(
                    "the dropped rule's path goes to the next rule",
                    "/ext/a",
                    none,
                    served("web-v1")),
                get("the other rule", "/", none, served("web-v1"))),
            Map.of("Accepted", "True/Accepted", "PartiallyInvalid", "True/UnsupportedValue")),
        new Case(
            "status.parents: a fixed route loses PartiallyInvalid",
            """
            - backendRefs: [{name: web-v2, port: 80}]
            """,
            List.of(get("all to v2", "/ext/a", none, served("web-v2"))),
            Map.of(
                "Accepted",
                "True/Accepted",
                "ResolvedRefs",
                "True/ResolvedRefs",
                "PartiallyInvalid",
                ABSENT)),
        new Case(
            "GRPCRoute matches.method",
            "GRPCRoute",
            """
            apiVersion: gateway.networking.k8s.io/v1
            kind: GRPCRoute
            metadata: {name: echo, namespace: shop}
            spec:
              parentRefs:
              - {name: echo, kind: Service, group: "", port: 50051}
              rules:
              - matches: [{method: {service: test.Echo, method: Unary}}]
                backendRefs: [{name: echo-v1, port: 50051}]
            """,
            "echo",
            50051,
            List.of(
                new Check(
                    "the method matched reaches the backend",
                    GRPC,
                    "Unary",
                    none,
                    a -> assertThat(a.body()).as("status %d", a.status()).isEqualTo("echo:hi")),
                // No rule matches: the proxy's 404, which gRPC reads as UNIMPLEMENTED (its HTTP
                // status mapping); the backend itself would have said "Method not found".
                new Check(
                    "another method of the service is not routed",
                    GRPC,
                    "Other",
                    none,
                    a -> {
                      assertThat(a.status()).isEqualTo(Status.Code.UNIMPLEMENTED.value());
                      assertThat(a.body()).contains("404").doesNotContain("Method not found");
                    })),
            ok),
        new Case(
            "GRPCRoute matches.method RegularExpression",
            "GRPCRoute",
            """
            apiVersion: gateway.networking.k8s.io/v1
            kind: GRPCRoute
            metadata: {name: echo, namespace: shop}
            spec:
              parentRefs:
              - {name: echo, kind: Service, group: "", port: 50051}
              rules:
              - matches:
                - method: {type: RegularExpression, service: "test[.]Ech[a-z]", method: "Un[a-z]+"}
                backendRefs: [{name: echo-v1, port: 50051}]
            """,
            "echo",
            50051,
            List.of(
                new Check(
                    "a method the regex matches reaches the backend",
                    GRPC,
                    "Unary",
                    none,
                    a -> assertThat(a.body()).as("status %d", a.status()).isEqualTo("echo:hi")),
                new Check(
                    "the regex matches the whole method name",
                    GRPC,
                    "UnaryX",
                    none,
                    a -> notRouted(a)),
                new Check("another method is not routed", GRPC, "Fail", none, a -> notRouted(a))),
            ok),
        new Case(
            "GRPCRoute matches.headers (metadata)",
            "GRPCRoute",
            """
            apiVersion: gateway.networking.k8s.io/v1
            kind: GRPCRoute
            metadata: {name: echo, namespace: shop}
            spec:
              parentRefs:
              - {name: echo, kind: Service, group: "", port: 50051}
              rules:
              - matches: [{headers: [{name: x-tenant, value: gold}]}]
                backendRefs: [{name: echo-v1, port: 50051}]
              - matches: [{headers: [{type: RegularExpression, name: x-user, value: "admin-[0-9]+"}]}]
                backendRefs: [{name: echo-v1, port: 50051}]
            """,
            "echo",
            50051,
            List.of(
                new Check(
                    "Exact metadata matches",
                    GRPC,
                    "Unary",
                    Map.of("x-tenant", "gold"),
                    a -> assertThat(a.body()).as("status %d", a.status()).isEqualTo("echo:hi")),
                new Check(
                    "RegularExpression metadata matches",
                    GRPC,
                    "Unary",
                    Map.of("x-user", "admin-42"),
                    a -> assertThat(a.body()).as("status %d", a.status()).isEqualTo("echo:hi")),
                new Check(
                    "RegularExpression on the whole value",
                    GRPC,
                    "Unary",
                    Map.of("x-user", "admin-4x"),
                    a -> notRouted(a)),
                new Check(
                    "other value", GRPC, "Unary", Map.of("x-tenant", "silver"), a -> notRouted(a)),
                new Check("no metadata", GRPC, "Unary", none, a -> notRouted(a))),
            ok));
  }

  /** No rule matched: the proxy's 404 as gRPC UNIMPLEMENTED, not the backend's own answer. */
  private static void notRouted(Answer a) {
    assertThat(a.status())
        .as("gRPC status, %s", a.body())
        .isEqualTo(Status.Code.UNIMPLEMENTED.value());
    assertThat(a.body()).contains("404").doesNotContain("Method not found");
  }

  private static List<Check> times(int n, Check c) {
    return java.util.Collections.nCopies(n, c);
  }

  private static Check get(
      String what, String path, Map<String, String> headers, Consumer<Answer> expect) {
    return new Check(what, "GET", path, headers, expect);
  }

  private static Consumer<Answer> served(String backend) {
    return a -> {
      assertThat(a.status()).as("status, body %s", a.body()).isEqualTo(200);
      assertThat(a.body()).isEqualTo(backend);
    };
  }

  private static Consumer<Answer> status(int code) {
    return a -> assertThat(a.status()).as("status, body %s", a.body()).isEqualTo(code);
  }

  private Answer send(Mesh mesh, Case c, Check k) throws Exception {
    ListenerConfig l = listener(mesh, c.service(), c.port());
    assertThat(l).as("listener of shop/%s:%d", c.service(), c.port()).isNotNull();
    if (k.method().equals(GRPC)) {
      return grpc(l.proxyPort(), k.path(), k.headers());
    }
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + l.proxyPort() + k.path()))
            .timeout(Duration.ofSeconds(10))
            .method(
                k.method(),
                "POST".equals(k.method())
                    ? HttpRequest.BodyPublishers.ofString("x")
                    : HttpRequest.BodyPublishers.noBody());
    k.headers().forEach(b::header);
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new Answer(r.statusCode(), r.body().strip(), r);
  }

  /**
   * A unary call of {@code test.Echo/<method>} with "hi" and the given metadata through the proxy:
   * status 0 and the answer, or the gRPC status code and its description.
   */
  private static Answer grpc(int port, String method, Map<String, String> metadata)
      throws InterruptedException {
    Metadata sent = new Metadata();
    metadata.forEach((k, v) -> sent.put(Metadata.Key.of(k, Metadata.ASCII_STRING_MARSHALLER), v));
    ManagedChannel channel =
        Grpc.newChannelBuilderForAddress("127.0.0.1", port, InsecureChannelCredentials.create())
            .intercept(MetadataUtils.newAttachHeadersInterceptor(sent))
            .build();
    try {
      byte[] r =
          ClientCalls.blockingUnaryCall(
              channel,
              GrpcBytes.method("test.Echo", method, MethodDescriptor.MethodType.UNARY),
              CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
              GrpcBytes.utf8("hi"));
      return new Answer(0, GrpcBytes.text(r), null);
    } catch (StatusRuntimeException e) {
      return new Answer(
          e.getStatus().getCode().value(), String.valueOf(e.getStatus().getDescription()), null);
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static ListenerConfig web(Mesh mesh) {
    return listener(mesh, "web", 80);
  }

  private static ListenerConfig listener(Mesh mesh, String service, int port) {
    return mesh.controller().currentConfig().listeners().stream()
        .filter(l -> l.namespace().equals(NS) && l.service().equals(service) && l.port() == port)
        .findFirst()
        .orElse(null);
  }

  static String route(String rules) {
    return """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: web, namespace: shop}
        spec:
          parentRefs:
          - {name: web, kind: Service, group: "", port: 80}
          rules:
        %s"""
        .formatted(rules.indent(2));
  }

  private void startBackends() throws IOException {
    GrpcEcho echo = new GrpcEcho(null);
    closing.add(echo);
    grpcPort = echo.port();
    for (String name : List.of("web-v1", "web-v2", "web-mirror", "web-slow", "web-flaky")) {
      HttpBackend b = new HttpBackend(name);
      closing.add(b);
      backends.put(name, b);
    }
    backends.get("web-slow").delayMillis = 5_000;
    backends.get("web-flaky").status = n -> n % 2 == 1 ? 500 : 200;
  }

  /** The Services and their slices; shop/web itself is served by web-v1. */
  private List<HasMetadata> base() {
    List<HasMetadata> out = new ArrayList<>();
    Function<String, Integer> port = name -> backends.get(name).port();
    // grpc: the port's name says HTTP; the scheme annotation makes the proxy speak h2c to it.
    for (String name : List.of("echo", "echo-v1")) {
      out.add(annotate(service(NS, name, "grpc:50051"), "nodemesh.io/scheme", "h2c"));
      out.add(slice(NS, name, "grpc", grpcPort, "127.0.0.1"));
    }
    out.add(service(NS, "web", "http:80"));
    out.add(slice(NS, "web", "http", port.apply("web-v1"), "127.0.0.1"));
    for (String name : backends.keySet()) {
      out.add(service(NS, name, "http:80"));
      out.add(slice(NS, name, "http", port.apply(name), "127.0.0.1"));
    }
    return out;
  }

  private static ControllerOptions options() {
    return TestControllers.options("gamma-routes-it");
  }
}
