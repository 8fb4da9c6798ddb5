package io.nodemesh.proxy.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodemesh.config.AccessConfig;
import io.nodemesh.config.AccessGrant;
import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.HttpMatch;
import io.nodemesh.config.ListenerAccess;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.Protocol;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.config.ServicePolicy;
import io.nodemesh.proxy.NodeProxy;
import io.nodemesh.proxy.ProxyOptions;
import io.nodemesh.proxy.limits.RejectReason;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 13's request-side attacks on a real proxy in ACL mode, over loopback, through the entry
 * port (routed by Host) and through a Service's own listener: dot segments and encoded paths that
 * used to pass a path rule and reach another path on a backend that normalises, NUL bytes, repeated
 * header fields that a rule names, repeated Host, and a spoofed {@code X-Forwarded-Proto}.
 *
 * <p>The caller (127.0.0.1) is {@code default/web}. {@code shop/api} allows it {@code GET} on
 * {@code pathRegex: /api}; {@code shop/users} allows any path when {@code x-user} is {@code alice};
 * {@code shop/files} allows {@code /files} and opts in to encoded slashes; {@code shop/web} allows
 * everything and splits requests with {@code x-canary: yes} to a canary.
 */
class RequestPathAttackIT {
  private static final Pattern API_RULE = Pattern.compile("/api");

  static NormalisingBackend api;
  static NormalisingBackend canary;
  static NodeProxy proxy;
  static int apiPort;
  static int usersPort;
  static int filesPort;
  static int webPort;

  @BeforeAll
  static void start() throws Exception {
    api = new NormalisingBackend();
    canary = new NormalisingBackend();
    proxy = NodeProxy.start(new ProxyOptions(null, "127.0.0.1", 0, 0, "attack", 2));
    apiPort = Ports.free();
    usersPort = Ports.free();
    filesPort = Ports.free();
    webPort = Ports.free();
    BackendConfig web = api.backend("web");
    List<ListenerConfig> listeners =
        List.of(
            listener("api", apiPort, RouteConfig.direct(api.backend("api")), null),
            listener("users", usersPort, RouteConfig.direct(api.backend("users")), null),
            listener(
                "files",
                filesPort,
                RouteConfig.direct(api.backend("files")),
                ServicePolicy.defaults().withPaths(new ServicePolicy.Paths(true))),
            listener(
                "web",
                webPort,
                new RouteConfig(
                    web,
                    List.of(canary.backend("web-canary")),
                    List.of(
                        new HttpMatch("canary/yes", null, List.of(), Map.of("x-canary", "yes"))),
                    "shop/web-split"),
                null));
    AccessConfig access =
        new AccessConfig(
            true,
            Map.of("127.0.0.1", "default/web"),
            List.of(
                grant("api", new HttpMatch("api-routes/api", "/api", List.of("GET"), Map.of())),
                grant(
                    "users",
                    new HttpMatch("users/alice", null, List.of(), Map.of("x-user", "alice"))),
                grant("files", new HttpMatch("files/all", "/files/", List.of(), Map.of())),
                grant("web", null)));
    proxy.apply(new MeshConfig(1, "mesh", listeners, access));
  }

  private static ListenerConfig listener(
      String service, int port, RouteConfig route, ServicePolicy policy) {
    return new ListenerConfig("shop", service, 80, Protocol.HTTP, port, route, policy);
  }

  private static ListenerAccess grant(String service, HttpMatch match) {
    return new ListenerAccess(
        "shop/" + service + ":80",
        List.of("shop/" + service),
        List.of(
            new AccessGrant(
                "shop/web-to-" + service,
                match == null ? "TCPRoute shop/all" : "HTTPRouteGroup shop/" + service + "-routes",
                "shop/" + service,
                List.of("default/web"),
                match == null ? List.of() : List.of(match))));
  }

  @AfterAll
  static void stop() {
    proxy.close();
    api.close();
    canary.close();
  }

  @BeforeEach
  void nothingSeenYet() {
    api.seen.clear();
    canary.seen.clear();
  }

  /** One answer read to the close (so a test also learns that the proxy closed). */
  record Answer(int status, String body) {}

  /**
   * Sends raw bytes and reads until the proxy closes. Requests meant to be answered and kept open
   * carry {@code Connection: close}; a refusal must close by itself, or the read times out.
   */
  /** A GET of {@code target} from {@code host} with {@code headers}, answered and closed. */
  static Answer getAndClose(int port, String target, String host, String headers)
      throws IOException {
    return send(
        port,
        "GET "
            + target
            + " HTTP/1.1\r\nHost: "
            + host
            + "\r\n"
            + headers
            + "Connection: close\r\n\r\n");
  }

  static Answer send(int port, String raw) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
      s.setSoTimeout(20_000);
      s.getOutputStream().write(raw.getBytes(StandardCharsets.ISO_8859_1));
      s.getOutputStream().flush();
      String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      assertThat(all).as("answer to %s", raw).startsWith("HTTP/1.1 ");
      int head = all.indexOf("\r\n\r\n");
      return new Answer(Integer.parseInt(all.substring(9, 12)), all.substring(head + 4));
    }
  }

  /**
   * The path test of issue 13: for every target, through the entry port and the Service's own port,
   * either the proxy refuses it (the backend sees nothing), or the backend serves exactly the path
   * the proxy forwarded (its own normalisation changes nothing) and that path is one the rule
   * allows. On the old proxy {@code /api/../admin/cache} was allowed and served as {@code
   * /admin/cache}.
   */
  @Test
  void theAclDecisionIsAboutThePathTheBackendServes() throws Exception {
    record Case(String target, int status, String served) {}
    List<Case> cases =
        List.of(
            new Case("/api/../admin/cache", 403, null),
            new Case("/api/%2e%2e/admin", 403, null),
            new Case("/api/%2E%2E/admin", 403, null),
            new Case("/api/.%2e/admin", 403, null),
            new Case("//api/../admin", 403, null),
            new Case("/api//../admin", 403, null),
            new Case("/%61pi/../admin", 403, null),
            new Case("/api/x/../../admin", 403, null),
            new Case("/api%2fadmin", 400, null),
            new Case("/api/..%2fadmin", 400, null),
            new Case("/api/..%2Fadmin", 400, null),
            new Case("/api/x%2F..%2F..%2Fadmin", 400, null),
            new Case("/api/..%5cadmin", 400, null),
            new Case("/api/..\\admin", 400, null),
            new Case("/api\\..\\admin", 400, null),
            new Case("/api/..;/admin", 400, null),
            new Case("/api/../../admin", 400, null),
            new Case("/api/x%00.png", 400, null),
            new Case("/api/x#/../../admin", 400, null),
            new Case("/api/./x", 200, "/api/x"),
            new Case("/%61pi/x", 200, "/api/x"),
            new Case("/%61%70%69/%78", 200, "/api/x"),
            new Case("/api/x/..", 200, "/api/"),
            new Case("/api/x?next=/../admin", 200, "/api/x"));
    List<String> failures = new ArrayList<>();
    for (Case c : cases) {
      for (boolean entry : new boolean[] {true, false}) {
        int port = entry ? proxy.entryPort() : apiPort;
        String via = (entry ? "entry port: " : "service port: ") + c.target();
        Answer a =
            send(
                port,
                "GET "
                    + c.target()
                    + " HTTP/1.1\r\nHost: api.shop.mesh\r\n"
                    + (c.status() == 400 ? "" : "Connection: close\r\n")
                    + "\r\n");
        NormalisingBackend.Seen seen = api.seen.poll(a.status() == 200 ? 10 : 0, TimeUnit.SECONDS);
        if (a.status() != c.status()) {
          failures.add(
              via + ": status " + a.status() + " (" + a.body().trim() + "), not " + c.status());
        }
        if (a.status() != 200) {
          if (seen != null) {
            failures.add(via + ": refused, yet the backend served " + seen.served());
          }
          continue;
        }
        assertThat(seen).as(via).isNotNull();
        if (!API_RULE.matcher(seen.served()).lookingAt()) {
          failures.add(via + ": allowed, and the backend served " + seen.served());
        }
        if (!seen.raw().startsWith(seen.served())) {
          failures.add(
              via + ": forwarded " + seen.raw() + ", but the backend served " + seen.served());
        }
        if (c.served() != null && !c.served().equals(seen.served())) {
          failures.add(via + ": served " + seen.served() + ", not " + c.served());
        }
      }
    }
    assertThat(failures).isEmpty();
    assertThat(proxy.limits().rejections().total(RejectReason.BAD_PATH)).isPositive();
  }

  /**
   * A GET for {@code path} on {@code authority}: static {@code :method}, {@code :scheme}, literals.
   */
  private static byte[] h2Get(String path, String authority, String... fields) {
    java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
    b.write(0x82); // :method GET
    b.write(0x86); // :scheme http
    b.write(0x04); // :path (static index 4), literal value without indexing (RFC 7541 §6.2.2)
    byte[] p = path.getBytes(StandardCharsets.ISO_8859_1);
    b.write(p.length);
    b.writeBytes(p);
    b.write(0x01); // :authority (static index 1)
    byte[] a = authority.getBytes(StandardCharsets.ISO_8859_1);
    b.write(a.length);
    b.writeBytes(a);
    b.writeBytes(H2Wire.fields(fields));
    return b.toByteArray();
  }

  /** The status of stream 1 over HTTP/2, or -1 when the stream was reset without one. */
  private static int h2Status(byte[] headerBlock) throws IOException {
    try (H2Wire h2 = new H2Wire(proxy.entryPort(), 0)) {
      h2.frame(H2Wire.HEADERS, H2Wire.END_STREAM | H2Wire.END_HEADERS, 1, headerBlock).flush();
      H2Wire.Frame f;
      while ((f = h2.read()) != null) {
        if (f.stream() != 1) {
          if (f.type() == H2Wire.HEADERS) {
            h2.headers(f);
          }
          continue;
        }
        if (f.type() == H2Wire.HEADERS) {
          return Integer.parseInt(h2.headers(f).status().toString());
        }
        if (f.type() == H2Wire.RST_STREAM) {
          return -1;
        }
      }
      return -1;
    }
  }

  @Test
  void theSameRulesHoldOnHttp2() throws Exception {
    assertThat(h2Status(h2Get("/api/%2e%2e/admin", "api.shop.mesh"))).isEqualTo(403);
    assertThat(h2Status(h2Get("/api/../admin/cache", "api.shop.mesh"))).isEqualTo(403);
    assertThat(h2Status(h2Get("/api%2fadmin", "api.shop.mesh"))).isEqualTo(400);
    assertThat(h2Status(h2Get("/api/..;/admin", "api.shop.mesh"))).isEqualTo(400);
    assertThat(h2Status(h2Get("/api/x#/../../admin", "api.shop.mesh"))).isEqualTo(400);
    assertThat(api.seen.poll()).isNull();
    assertThat(h2Status(h2Get("/me", "users.shop.mesh", "x-user", "admin", "x-user", "alice")))
        .isEqualTo(400);
    assertThat(api.seen.poll()).isNull();
    assertThat(h2Status(h2Get("//%61pi/./x", "api.shop.mesh", "x-forwarded-proto", "https")))
        .isEqualTo(200);
    NormalisingBackend.Seen seen = api.seen.poll(10, TimeUnit.SECONDS);
    assertThat(seen.raw()).isEqualTo("/api/x");
    assertThat(seen.forwardedProto()).containsExactly("http");
  }

  @Test
  void theQueryIsForwardedAsSent() throws Exception {
    Answer a = getAndClose(apiPort, "/api/./x?next=/../admin&q=%2e%2E", "api.shop.mesh", "");
    assertThat(a.status()).isEqualTo(200);
    assertThat(api.seen.poll(10, TimeUnit.SECONDS).raw())
        .isEqualTo("/api/x?next=/../admin&q=%2e%2E");
  }

  @Test
  void aServiceThatOptsInReceivesEncodedSlashesEncoded() throws Exception {
    Answer a = getAndClose(filesPort, "/files/a%2fb/c\\d", "files.shop.mesh", "");
    assertThat(a.status()).isEqualTo(200);
    assertThat(api.seen.poll(10, TimeUnit.SECONDS).raw()).isEqualTo("/files/a%2Fb/c%5Cd");
    // Dot segments are still resolved before the rule sees the path.
    assertThat(
            send(filesPort, "GET /files/../admin HTTP/1.1\r\nHost: f\r\nConnection: close\r\n\r\n")
                .status())
        .isEqualTo(403);
    assertThat(api.seen.poll()).isNull();
  }

  @Test
  void aNulByteInTheTargetIsRefusedAndTheConnectionClosed() throws Exception {
    for (int port : new int[] {proxy.entryPort(), apiPort}) {
      Answer a = send(port, "GET /api/x\0/../../admin HTTP/1.1\r\nHost: api.shop.mesh\r\n\r\n");
      assertThat(a.status()).isEqualTo(400);
      assertThat(a.body()).contains("control byte");
      a = send(port, "GET /api/x?\u0001 HTTP/1.1\r\nHost: api.shop.mesh\r\n\r\n");
      assertThat(a.status()).isEqualTo(400);
    }
    assertThat(api.seen.poll()).isNull();
  }

  /**
   * A header rule passes when any one of several same-named fields matches, and the backend reads
   * the first: {@code x-user: admin} then {@code x-user: alice} got through as admin.
   */
  @Test
  void aSecondFieldOfAHeaderARuleNamesIsRefused() throws Exception {
    for (int port : new int[] {proxy.entryPort(), usersPort}) {
      Answer a =
          send(
              port,
              "GET /me HTTP/1.1\r\nHost: users.shop.mesh\r\nX-User: admin\r\nx-user: alice\r\n\r\n");
      assertThat(a.status()).isEqualTo(400);
      assertThat(a.body()).contains("more than one x-user field");
      assertThat(api.seen.poll()).isNull();
      a = getAndClose(port, "/me", "users.shop.mesh", "X-User: alice\r\n");
      assertThat(a.status()).isEqualTo(200);
      assertThat(api.seen.poll(10, TimeUnit.SECONDS).user()).containsExactly("alice");
    }
    assertThat(proxy.limits().rejections().total(RejectReason.DUPLICATE_HEADER))
        .isGreaterThanOrEqualTo(2);
  }

  /** The same for a TrafficSplit match: a second {@code x-canary} used to pick the canary. */
  @Test
  void aSecondFieldOfAHeaderASplitMatchNamesIsRefused() throws Exception {
    Answer a =
        send(
            webPort,
            "GET / HTTP/1.1\r\nHost: web.shop.mesh\r\nx-canary: no\r\nx-canary: yes\r\n\r\n");
    assertThat(a.status()).isEqualTo(400);
    assertThat(canary.seen.poll()).isNull();
    assertThat(api.seen.poll()).isNull();
    // One field is fine, and other headers may repeat.
    a = getAndClose(webPort, "/", "web.shop.mesh", "x-canary: yes\r\nAccept: a\r\nAccept: b\r\n");
    assertThat(a.status()).isEqualTo(200);
    assertThat(canary.seen.poll(10, TimeUnit.SECONDS)).isNotNull();
  }

  @Test
  void aRepeatedHostIsRefusedOnHttp11AndHttp10() throws Exception {
    for (String version : new String[] {"HTTP/1.1", "HTTP/1.0"}) {
      Answer a =
          send(
              proxy.entryPort(),
              "GET /api/x "
                  + version
                  + "\r\nHost: users.shop.mesh\r\nHost: api.shop.mesh\r\n"
                  + "X-User: alice\r\n\r\n");
      assertThat(a.status()).as(version).isEqualTo(400);
      assertThat(api.seen.poll()).as(version).isNull();
    }
  }

  /**
   * On HTTP/2 the proxy routes by {@code :authority}; a {@code host} field that names another
   * Service, or a second {@code host}, must not reach a backend that would read it.
   */
  @Test
  void aHostThatDisagreesWithTheAuthorityIsRefusedOnH2c() throws Exception {
    for (String[] fields :
        new String[][] {
          {"host", "users.shop.mesh"}, {"host", "web.shop.mesh", "host", "users.shop.mesh"}
        }) {
      try (H2Wire h2 = new H2Wire(proxy.entryPort(), 0)) {
        h2.get(1, "web.shop.mesh", fields);
        H2Wire.Frame f;
        boolean answered = false;
        while ((f = h2.readWithin(10_000)) != null) {
          if (f.type() == H2Wire.RST_STREAM && f.stream() == 1) {
            answered = true;
            break;
          }
          assertThat(f.type() == H2Wire.HEADERS && f.stream() == 1)
              .as("a response on the refused stream")
              .isFalse();
        }
        assertThat(answered).as("the stream is refused").isTrue();
      }
    }
    assertThat(api.seen.poll()).isNull();
    // An h2c upgrade request is an HTTP/1.1 request first: two Host fields are refused there.
    Answer a =
        send(
            proxy.entryPort(),
            "GET / HTTP/1.1\r\nHost: web.shop.mesh\r\nHost: users.shop.mesh\r\n"
                + "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
                + "HTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n");
    assertThat(a.status()).isEqualTo(400);
    assertThat(api.seen.poll()).isNull();
    // A host equal to the authority is the same request said twice (RFC 9113 §8.3.1).
    try (H2Wire h2 = new H2Wire(proxy.entryPort(), 0)) {
      h2.get(1, "web.shop.mesh", "host", "web.shop.mesh");
      assertThat(h2.readUntil(H2Wire.DATA)).isNotNull();
    }
    assertThat(api.seen.poll(10, TimeUnit.SECONDS).served()).isEqualTo("/");
  }

  @Test
  void aClientCannotSayTheCallWasHttps() throws Exception {
    for (int port : new int[] {proxy.entryPort(), apiPort}) {
      Answer a = getAndClose(port, "/api/x", "api.shop.mesh", "X-Forwarded-Proto: https\r\n");
      assertThat(a.status()).isEqualTo(200);
      assertThat(api.seen.poll(10, TimeUnit.SECONDS).forwardedProto()).containsExactly("http");
    }
  }
}
