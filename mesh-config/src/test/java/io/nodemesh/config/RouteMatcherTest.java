package io.nodemesh.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodemesh.config.RouteRule.Match;
import io.nodemesh.config.RouteRule.PathMatch;
import io.nodemesh.config.RouteRule.ValueMatch;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RouteMatcherTest {
  private static final RouteMatcher.HeaderLookup<Map<String, String>> MAP = Map::get;
  private static final BackendConfig B = new BackendConfig("web", 1, List.of());

  private static RouteRule rule(String name, Match... matches) {
    return new RouteRule(name, List.of(matches), null, List.of(B), 0, null, null, null);
  }

  private static Match path(PathMatch.Type t, String v) {
    return new Match(new PathMatch(t, v), null, null, null);
  }

  private static int first(
      List<RouteMatcher[]> rules, String method, String uri, Map<String, String> h) {
    int q = uri.indexOf('?');
    return RouteMatcher.firstRule(rules, method, q < 0 ? uri : uri.substring(0, q), uri, h, MAP);
  }

  @Test
  void pathPrefixIsElementWise() {
    List<RouteMatcher[]> r =
        List.<RouteMatcher[]>of(
            RouteMatcher.of(rule("p", path(PathMatch.Type.PATH_PREFIX, "/foo/"))));
    assertThat(first(r, "GET", "/foo", Map.of())).isZero();
    assertThat(first(r, "GET", "/foo/bar", Map.of())).isZero();
    assertThat(first(r, "GET", "/foobar", Map.of())).isEqualTo(-1);
  }

  @Test
  void conditionsAreAndedMatchesOredAndTheFirstRuleWins() {
    Match m =
        new Match(
            new PathMatch(PathMatch.Type.REGULAR_EXPRESSION, "/api/v[0-9]+"),
            List.of(new ValueMatch(ValueMatch.Type.EXACT, "X-Env", "canary")),
            List.of(new ValueMatch(ValueMatch.Type.REGULAR_EXPRESSION, "page", "[0-9]+")),
            "GET");
    List<RouteMatcher[]> r =
        List.of(
            RouteMatcher.of(rule("a", m, path(PathMatch.Type.EXACT, "/exact"))),
            RouteMatcher.of(rule("all")));
    Map<String, String> canary = Map.of("x-env", "canary");
    assertThat(first(r, "GET", "/api/v2?page=3", canary)).isZero();
    assertThat(first(r, "GET", "/exact", Map.of())).isZero();
    assertThat(first(r, "GET", "/api/v2?page=3x", canary)).isEqualTo(1);
    assertThat(first(r, "POST", "/api/v2?page=3", canary)).isEqualTo(1);
    assertThat(first(r, "GET", "/api/v2/x?page=3", canary)).isEqualTo(1);
    assertThat(
            RouteMatcher.firstMatch(RouteMatcher.of(rule("all")), "GET", "/", "/", Map.of(), MAP))
        .isEqualTo(Integer.MAX_VALUE);
  }

  @Test
  void queryParametersAreComparedAsSentByFirstValue() {
    List<RouteMatcher[]> r =
        List.<RouteMatcher[]>of(
            RouteMatcher.of(
                rule(
                    "q",
                    new Match(
                        null,
                        null,
                        List.of(new ValueMatch(ValueMatch.Type.EXACT, "v", "a b")),
                        null))));
    assertThat(first(r, "GET", "/?v=a b", Map.of())).isZero();
    assertThat(first(r, "GET", "/?v=a%20b", Map.of())).isEqualTo(-1);
    assertThat(first(r, "GET", "/?x=1&v=a b&v=c", Map.of())).isZero();
    assertThat(first(r, "GET", "/?v=c&v=a b", Map.of())).isEqualTo(-1);
    assertThat(first(r, "GET", "/?vv=a b", Map.of())).isEqualTo(-1);
  }
}
