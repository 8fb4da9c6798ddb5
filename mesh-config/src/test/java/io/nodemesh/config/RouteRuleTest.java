package io.nodemesh.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nodemesh.config.RouteFilter.Header;
import io.nodemesh.config.RouteFilter.HeaderEdits;
import io.nodemesh.config.RouteRule.Fault;
import io.nodemesh.config.RouteRule.Match;
import io.nodemesh.config.RouteRule.PathMatch;
import io.nodemesh.config.RouteRule.PathModifier;
import io.nodemesh.config.RouteRule.ValueMatch;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RouteRuleTest {
  private static final BackendConfig ROOT =
      new BackendConfig("echo", 1, List.of(EndpointConfig.ready("10.0.0.1", 8080)));
  private static final BackendConfig V2 =
      new BackendConfig("echo-v2", 90, List.of(EndpointConfig.ready("10.0.0.2", 8080)));
  private static final BackendConfig MIRROR =
      new BackendConfig("shadow", 0, List.of(EndpointConfig.ready("10.0.0.3", 8080)));

  static RouteRule fullRule() {
    Match m =
        new Match(
            new PathMatch(PathMatch.Type.PATH_PREFIX, "/api"),
            List.of(
                new ValueMatch(ValueMatch.Type.EXACT, "X-Canary", "yes"),
                new ValueMatch(ValueMatch.Type.REGULAR_EXPRESSION, "user", "[a-z]+")),
            List.of(new ValueMatch(null, "debug", "1")),
            "GET");
    List<RouteFilter> filters =
        List.of(
            new RouteFilter.RequestHeaderModifier(
                new HeaderEdits(
                    List.of(new Header("X-Set", "a")),
                    List.of(new Header("x-add", "b")),
                    List.of("X-Drop"))),
            new RouteFilter.ResponseHeaderModifier(
                new HeaderEdits(List.of(new Header("x-served-by", "mesh")), null, null)),
            new RouteFilter.UrlRewrite(
                "echo.internal",
                new PathModifier(PathModifier.Type.REPLACE_PREFIX_MATCH, "/v2/api")),
            new RouteFilter.RequestMirror(MIRROR, 12.5));
    return new RouteRule(
        "shop/echo#0",
        List.of(m),
        filters,
        List.of(ROOT, V2),
        10,
        new RouteRule.Timeouts(2000, 500),
        new RouteRule.Retry(2, List.of(503), 50),
        new Fault(new Fault.Delay(100, 5), new Fault.Abort(503, 14, 2.5)));
  }

  private static MeshConfig config(RouteRule... rules) {
    RouteConfig route = RouteConfig.direct(ROOT).withRules(List.of(rules));
    return new MeshConfig(
        3, "mesh", List.of(new ListenerConfig("shop", "echo", 80, Protocol.HTTP, 5001, route)));
  }

  @Test
  void roundTripsEveryFieldOfARule() {
    RouteRule redirect =
        new RouteRule(
            "shop/echo#1",
            List.of(new Match(new PathMatch(PathMatch.Type.EXACT, "/old"), null, null, null)),
            List.of(
                new RouteFilter.RequestRedirect(
                    "https",
                    "new.example",
                    new PathModifier(PathModifier.Type.REPLACE_FULL_PATH, "/new"),
                    8443,
                    301)),
            List.of(),
            0,
            null,
            null,
            null);
    MeshConfig config = config(fullRule(), redirect);
    String json = MeshConfigJson.write(config);
    assertThat(json)
        .contains("\"type\":\"URLRewrite\"")
        .contains("\"type\":\"RequestMirror\"")
        .contains("\"PATH_PREFIX\"");
    assertThat(MeshConfigJson.read(json)).isEqualTo(config);
  }

  @Test
  void aConfigWithoutRulesReadsAsSmiOnly() {
    MeshConfig config = config();
    String json = MeshConfigJson.write(config).replace(",\"rules\":[]", "");
    assertThat(json).doesNotContain("rules");
    RouteConfig route = MeshConfigJson.read(json).listeners().get(0).route();
    assertThat(route.rules()).isEmpty();
    assertThat(route).isEqualTo(RouteConfig.direct(ROOT));
  }

  @Test
  void refusesAFilterTypeItDoesNotKnow() {
    String json =
        MeshConfigJson.write(config(fullRule()))
            .replace("\"type\":\"URLRewrite\"", "\"type\":\"Teleport\"");
    assertThatThrownBy(() -> MeshConfigJson.read(json))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Teleport");
  }

  @Test
  void headerNamesOfMatchesAndEditsAreLowerCase() {
    RouteRule r = fullRule();
    assertThat(r.matches().get(0).headers().get(0).name()).isEqualTo("x-canary");
    HeaderEdits edits = ((RouteFilter.RequestHeaderModifier) r.filters().get(0)).edits();
    assertThat(edits.set().get(0).name()).isEqualTo("x-set");
    assertThat(edits.remove()).containsExactly("x-drop");
    assertThat(r.matches().get(0).queryParams().get(0).type()).isEqualTo(ValueMatch.Type.EXACT);
  }

  @Test
  void refusesAHeaderValueThatWouldSplitTheHead() {
    assertThatThrownBy(() -> new Header("x-a", "ok\r\nx-admin: 1"))
        .hasMessageContaining("control character");
  }

  @Test
  void refusesARegexBeyondTheTenantBounds() {
    assertThatThrownBy(() -> new PathMatch(PathMatch.Type.REGULAR_EXPRESSION, "(a{100}){100}"))
        .hasMessageContaining("too complex");
    assertThatThrownBy(() -> new ValueMatch(ValueMatch.Type.REGULAR_EXPRESSION, "h", "(?=a)"))
        .hasMessageContaining("match h: regex");
  }

  @Test
  void boundsTheRegexStepsOfAllRulesOfAListener() {
    List<RouteRule> rules = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      rules.add(
          new RouteRule(
              "ns/r#" + i,
              List.of(
                  new Match(
                      new PathMatch(PathMatch.Type.REGULAR_EXPRESSION, "/[a-z]{40}"),
                      null,
                      null,
                      null)),
              null,
              List.of(ROOT),
              0,
              null,
              null,
              null));
    }
    assertThatThrownBy(() -> RouteConfig.direct(ROOT).withRules(rules))
        .hasMessageContaining("steps, at most " + TenantRegex.MAX_ROUTE_STEPS);
  }

  @Test
  void refusesTwoRulesOfOneName() {
    assertThatThrownBy(() -> RouteConfig.direct(ROOT).withRules(List.of(fullRule(), fullRule())))
        .hasMessageContaining("rule name shop/echo#0 is used twice");
  }

  @Test
  void replacePrefixMatchNeedsPathPrefixMatches() {
    assertThatThrownBy(
            () ->
                new RouteRule(
                    "ns/r#0",
                    List.of(new Match(new PathMatch(PathMatch.Type.EXACT, "/a"), null, null, null)),
                    List.of(
                        new RouteFilter.UrlRewrite(
                            null, new PathModifier(PathModifier.Type.REPLACE_PREFIX_MATCH, "/b"))),
                    List.of(ROOT),
                    0,
                    null,
                    null,
                    null))
        .hasMessageContaining("ReplacePrefixMatch needs every match to be a PathPrefix");
  }

  @Test
  void refusesOutOfRangeValues() {
    assertThatThrownBy(() -> new Fault.Abort(503, null, 100.5)).hasMessageContaining("percent");
    assertThatThrownBy(() -> new Fault.Abort(503, 17, 1)).hasMessageContaining("grpcStatus 17");
    assertThatThrownBy(() -> new Fault.Delay(Fault.MAX_DELAY_MILLIS + 1, 1))
        .hasMessageContaining("fault delay");
    assertThatThrownBy(() -> new RouteRule.Timeouts(100, 200))
        .hasMessageContaining("exceeds request");
    assertThatThrownBy(() -> new RouteRule.Retry(2, List.of(200), 0))
        .hasMessageContaining("code 200");
    assertThatThrownBy(() -> new RouteFilter.RequestRedirect(null, null, null, null, 200))
        .hasMessageContaining("statusCode 200");
    assertThatThrownBy(() -> new RouteFilter.RequestRedirect("ftp", null, null, null, 0))
        .hasMessageContaining("scheme");
    assertThatThrownBy(() -> new RouteFilter.UrlRewrite("a b", null))
        .hasMessageContaining("RFC 1123");
    assertThatThrownBy(() -> new PathMatch(PathMatch.Type.EXACT, "/a b"))
        .hasMessageContaining("URI path characters");
    assertThatThrownBy(() -> new Match(null, null, null, "GE T")).hasMessageContaining("token");
    assertThat(new RouteFilter.RequestRedirect(null, null, null, null, 0).statusCode())
        .isEqualTo(302);
    assertThat(new RouteRule.Retry(1, null, 0).codes()).containsExactly(502, 503, 504);
  }
}
