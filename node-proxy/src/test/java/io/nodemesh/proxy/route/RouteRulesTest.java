package io.nodemesh.proxy.route;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.config.RouteFilter;
import io.nodemesh.config.RouteRule;
import io.nodemesh.config.RouteRule.Match;
import io.nodemesh.config.RouteRule.PathMatch;
import io.nodemesh.config.RouteRule.PathModifier;
import io.nodemesh.config.RouteRule.ValueMatch;
import io.nodemesh.proxy.Listeners;
import io.nodemesh.proxy.balance.ResilienceRegistry;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RouteRulesTest {
  private static final BackendConfig B =
      new BackendConfig("web", 1, List.of(EndpointConfig.ready("10.0.0.1", 80)));
  private static final HttpHeaders NONE = new DefaultHttpHeaders();

  static RouteRule rule(String name, List<RouteFilter> filters, Match... matches) {
    return new RouteRule(name, List.of(matches), filters, List.of(B), 0, null, null, null);
  }

  static Match path(PathMatch.Type t, String v) {
    return new Match(new PathMatch(t, v), null, null, null);
  }

  static RouteRules compile(RouteRule... rules) {
    ListenerConfig l = Listeners.shopWeb(5000, RouteConfig.direct(B).withRules(List.of(rules)));
    return RouteRules.compile(l, new ResilienceRegistry(null), null, null);
  }

  private static String first(RouteRules r, String method, String uri, HttpHeaders h) {
    int q = uri.indexOf('?');
    CompiledRule c = r.first(method, q < 0 ? uri : uri.substring(0, q), uri, h);
    return c == null ? null : c.name();
  }

  @Test
  void pathPrefixMatchesWholeSegmentsOnly() {
    RouteRules r = compile(rule("p", List.of(), path(PathMatch.Type.PATH_PREFIX, "/foo/")));
    assertThat(first(r, "GET", "/foo", NONE)).isEqualTo("p");
    assertThat(first(r, "GET", "/foo/", NONE)).isEqualTo("p");
    assertThat(first(r, "GET", "/foo/bar", NONE)).isEqualTo("p");
    assertThat(first(r, "GET", "/foobar", NONE)).isNull();
    RouteRules all = compile(rule("root", List.of(), path(PathMatch.Type.PATH_PREFIX, "/")));
    assertThat(first(all, "GET", "/anything", NONE)).isEqualTo("root");
  }

  @Test
  void exactRegexMethodHeadersAndQueryAreAnded() {
    Match m =
        new Match(
            new PathMatch(PathMatch.Type.REGULAR_EXPRESSION, "/api/v[0-9]+/items"),
            List.of(
                new ValueMatch(ValueMatch.Type.EXACT, "X-Env", "canary"),
                new ValueMatch(ValueMatch.Type.REGULAR_EXPRESSION, "x-user", "u-[0-9]{3}")),
            List.of(
                new ValueMatch(ValueMatch.Type.EXACT, "debug", "1"),
                new ValueMatch(ValueMatch.Type.REGULAR_EXPRESSION, "page", "[0-9]+")),
            "GET");
    RouteRules r =
        compile(
            rule("m", List.of(), m), rule("exact", List.of(), path(PathMatch.Type.EXACT, "/x")));
    HttpHeaders ok = new DefaultHttpHeaders().add("x-env", "canary").add("X-User", "u-123");
    assertThat(first(r, "GET", "/api/v2/items?page=4&debug=1", ok)).isEqualTo("m");
    // The regex matches the whole path and the whole value.
    assertThat(first(r, "GET", "/api/v2/items/more?page=4&debug=1", ok)).isNull();
    assertThat(first(r, "GET", "/api/v2/items?page=4x&debug=1", ok)).isNull();
    assertThat(first(r, "GET", "/api/v2/items?page=4&debug=10", ok)).isNull();
    assertThat(first(r, "GET", "/api/v2/items?page=4&xdebug=1", ok)).isNull();
    assertThat(first(r, "POST", "/api/v2/items?page=4&debug=1", ok)).isNull();
    assertThat(first(r, "GET", "/api/v2/items?page=4&debug=1", NONE)).isNull();
    assertThat(first(r, "GET", "/x", NONE)).isEqualTo("exact");
    assertThat(first(r, "GET", "/x/", NONE)).isNull();
  }

  @Test
  void theFirstRuleWinsAndMatchesOfOneRuleAreOred() {
    RouteRules r =
        compile(
            rule(
                "a",
                List.of(),
                path(PathMatch.Type.EXACT, "/one"),
                path(PathMatch.Type.EXACT, "/two")),
            rule("b", List.of(), path(PathMatch.Type.PATH_PREFIX, "/")),
            rule("c", List.of(), path(PathMatch.Type.EXACT, "/one")));
    assertThat(first(r, "GET", "/two", NONE)).isEqualTo("a");
    assertThat(first(r, "GET", "/one", NONE)).isEqualTo("a");
    assertThat(first(r, "GET", "/three", NONE)).isEqualTo("b");
  }

  @Test
  void rewritesReplaceTheMatchedPrefixElementWise() {
    RouteRules r =
        compile(
            rule(
                "rw",
                List.of(
                    new RouteFilter.UrlRewrite(
                        "api.internal",
                        new PathModifier(PathModifier.Type.REPLACE_PREFIX_MATCH, "/v2"))),
                path(PathMatch.Type.PATH_PREFIX, "/v1/")),
            rule(
                "strip",
                List.of(
                    new RouteFilter.UrlRewrite(
                        null, new PathModifier(PathModifier.Type.REPLACE_PREFIX_MATCH, "/"))),
                path(PathMatch.Type.PATH_PREFIX, "/strip")));
    assertThat(rewritten(r, "/v1/items?x=1")).isEqualTo("/v2/items?x=1");
    assertThat(rewritten(r, "/v1")).isEqualTo("/v2");
    assertThat(rewritten(r, "/strip/a/b")).isEqualTo("/a/b");
    assertThat(rewritten(r, "/strip")).isEqualTo("/");
  }

  private static String rewritten(RouteRules r, String uri) {
    HttpRequest req = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
    req.headers().set("host", "web.shop.mesh");
    int q = uri.indexOf('?');
    String path = q < 0 ? uri : uri.substring(0, q);
    CompiledRule c = r.first("GET", path, uri, req.headers());
    c.editRequest(req, path);
    return req.uri();
  }

  @Test
  void redirectsBuildTheLocationFromTheRequest() {
    RouteRules r =
        compile(
            rule(
                "to-https",
                List.of(new RouteFilter.RequestRedirect("https", null, null, null, 301)),
                path(PathMatch.Type.PATH_PREFIX, "/secure")),
            rule(
                "moved",
                List.of(
                    new RouteFilter.RequestRedirect(
                        null,
                        "new.example",
                        new PathModifier(PathModifier.Type.REPLACE_PREFIX_MATCH, "/new"),
                        null,
                        0)),
                path(PathMatch.Type.PATH_PREFIX, "/old")));
    assertThat(location(r, "/secure/a?b=1", "web.shop.mesh:8080"))
        .isEqualTo("https://web.shop.mesh/secure/a?b=1");
    assertThat(location(r, "/old/x", "web.shop.mesh:8080"))
        .isEqualTo("http://new.example:8080/new/x");
    assertThat(location(r, "/old/x", "web.shop.mesh")).isEqualTo("http://new.example/new/x");
  }

  private static String location(RouteRules r, String uri, String host) {
    HttpRequest req = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
    req.headers().set("host", host);
    int q = uri.indexOf('?');
    String path = q < 0 ? uri : uri.substring(0, q);
    return r.first("GET", path, uri, req.headers()).location(req, path, 80);
  }

  @Test
  void thePartsOfOneRuleShareItsMetricLabel() {
    assertThat(RouteRules.metricLabel("shop/api#0.2")).isEqualTo("shop/api#0");
    assertThat(RouteRules.metricLabel("grpc:shop/api#12.0")).isEqualTo("grpc:shop/api#12");
    assertThat(RouteRules.metricLabel("shop/api#3")).isEqualTo("shop/api#3");
    assertThat(RouteRules.metricLabel("shop/a.b#3")).isEqualTo("shop/a.b#3");
    assertThat(RouteRules.metricLabel("shop/api#x.1")).isEqualTo("shop/api#x.1");
    assertThat(RouteRules.metricLabel("shop/api#1.")).isEqualTo("shop/api#1.");
    assertThat(RouteRules.metricLabel("plain")).isEqualTo("plain");
  }

  /** Matching is on every request's path: it must not allocate (issue 17). */
  @Test
  void matchingAllocatesNothing() {
    List<RouteRule> rules = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      rules.add(
          new RouteRule(
              "shop/r#" + i,
              List.of(
                  new Match(
                      new PathMatch(PathMatch.Type.PATH_PREFIX, "/svc" + i),
                      List.of(new ValueMatch(ValueMatch.Type.EXACT, "x-env", "e" + i)),
                      List.of(new ValueMatch(ValueMatch.Type.EXACT, "v", "" + i)),
                      "GET")),
              List.of(),
              List.of(B),
              0,
              null,
              null,
              null));
    }
    RouteRules r = compile(rules.toArray(RouteRule[]::new));
    HttpHeaders h = new DefaultHttpHeaders().add("x-env", "e19").add("accept", "*/*");
    String uri = "/svc19/items?a=b&v=19";
    String path = "/svc19/items";
    for (int i = 0; i < 20_000; i++) {
      r.first("GET", path, uri, h);
    }
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long tid = Thread.currentThread().threadId();
    long before = mx.getThreadAllocatedBytes(tid);
    CompiledRule hit = null;
    for (int i = 0; i < 10_000; i++) {
      hit = r.first("GET", path, uri, h);
    }
    long allocated = mx.getThreadAllocatedBytes(tid) - before;
    assertThat(hit.name()).isEqualTo("shop/r#19");
    // A few bytes of noise from the measurement itself, never per request.
    assertThat(allocated).isLessThan(10_000);
  }
}
