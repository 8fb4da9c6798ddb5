package io.nodemesh.controller.access;

import static io.nodemesh.controller.access.AccessCompilerTest.assertAllowed;
import static io.nodemesh.controller.access.AccessCompilerTest.assertDenied;
import static io.nodemesh.controller.access.AccessCompilerTest.compile;
import static io.nodemesh.controller.access.AccessCompilerTest.httpRule;
import static io.nodemesh.controller.access.AccessCompilerTest.target;
import static io.nodemesh.controller.access.AccessCompilerTest.webReads;
import static io.nodemesh.controller.access.AccessCompilerTest.world;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.nodemesh.controller.common.Problem;
import io.nodemesh.controller.compile.CompileResult;
import io.nodemesh.smi.HTTPMatch;
import io.nodemesh.testkit.K8s;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 13: the regexes that used to reach the proxies' backtracking engine (backreference,
 * lookahead, over-long) are refused with a problem naming the field, in a TrafficSplit's group and
 * in a TrafficTarget's; the other objects compile and work.
 */
class HostileRegexCompileTest {

  /**
   * The access world with shop/web split to shop/web-v2 by the matches of this group, the target
   * letting default/batch use the group on api's pods, and web-reads as a well-behaved neighbour.
   */
  private static CompileResult compileWithGroup(String target, String group, HTTPMatch... matches) {
    List<HasMetadata> w = world();
    w.add(K8s.service("shop", "web", "http:80"));
    w.add(K8s.service("shop", "web-v2", "http:80"));
    w.add(K8s.slice("shop", "web-v2", "http", 8082, "10.0.2.1"));
    w.add(K8s.group("shop", group, matches));
    w.add(K8s.withMatches(K8s.split("shop", "canary", "web", "web-v2", 1), group));
    w.add(target(target, "api", List.of("default/batch"), httpRule(group)));
    w.add(webReads("web-reads", "api"));
    return compile(w);
  }

  @Test
  void refusedRegexesNameTheirFieldAndTheRestOfTheMeshCompiles() {
    // A split whose group is hostile; a good group and target next to them.
    CompileResult r =
        compileWithGroup(
            "hostile",
            "routes",
            new HTTPMatch("back", "/(a+)\\1", null, null),
            new HTTPMatch("ahead", null, null, Map.of("x-user", "(?=admin).*")),
            new HTTPMatch("long", "/" + "x".repeat(2_000), null, null));
    List<String> problems = r.problems().stream().map(Problem::toString).toList();

    assertThat(problems)
        .anySatisfy(
            p ->
                assertThat(p)
                    .startsWith(
                        "HTTPRouteGroup shop/routes: spec.matches[0].pathRegex: is not a valid"
                            + " regex: invalid escape sequence at `\\1`"))
        .anySatisfy(
            p ->
                assertThat(p)
                    .startsWith(
                        "HTTPRouteGroup shop/routes: spec.matches[1].headers.x-user: is not a valid"
                            + " regex: invalid or unsupported Perl syntax at `(?=`"))
        .anySatisfy(
            p ->
                assertThat(p)
                    .startsWith(
                        "HTTPRouteGroup shop/routes: spec.matches[2].pathRegex: is 2001 characters"
                            + " long; at most 1024 are allowed"))
        .anySatisfy(
            p ->
                assertThat(p)
                    .startsWith("TrafficSplit shop/canary: spec.matches[0].name:")
                    .contains("is invalid"));
    // The split is skipped: web routes to itself; the hostile target allows nothing.
    assertThat(
            r.config().listeners().stream()
                .filter(l -> l.key().equals("shop/web:80"))
                .findFirst()
                .orElseThrow()
                .route()
                .split())
        .isEmpty();
    assertDenied(r.config(), "shop/api:80", "10.0.0.3", "GET", "/aa");
    // The other TrafficTarget still works.
    assertAllowed(r.config(), "shop/api:80", "10.0.0.2", "GET", "/api/items");
    assertDenied(r.config(), "shop/api:80", "10.0.0.2", "POST", "/api/items");
  }

  @Test
  void manyBoundedRegexesOnOneServiceAreBoundedTooInTotal() {
    // Each regex fits (87 steps), twelve of them do not (1,044 > 1,000): a request that matches
    // none would evaluate them all.
    HTTPMatch[] many = new HTTPMatch[12];
    for (int i = 0; i < many.length; i++) {
      many[i] = new HTTPMatch("m" + i, "/(.*a){21}$", null, null);
    }
    CompileResult r = compileWithGroup("big", "many", many);

    assertThat(r.problems().stream().map(Problem::toString))
        .anySatisfy(
            p ->
                assertThat(p)
                    .isEqualTo(
                        "TrafficSplit shop/canary: spec.matches: the regexes of its HTTPRouteGroups"
                            + " add up to 1044 steps; at most 1000 are allowed per Service; split"
                            + " skipped (InvalidSpec)"))
        .anySatisfy(
            p ->
                assertThat(p)
                    .startsWith("TrafficTarget shop/big: spec.rules: the regexes of rule")
                    .contains("1044 steps"));
    assertDenied(r.config(), "shop/api:80", "10.0.0.3", "GET", "/aa");
    assertAllowed(r.config(), "shop/api:80", "10.0.0.2", "GET", "/api/items");
  }
}
