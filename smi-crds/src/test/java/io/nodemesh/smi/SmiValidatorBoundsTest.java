package io.nodemesh.smi;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The attack shapes of issue 13: regexes a backtracking engine chokes on, and unbounded input. */
class SmiValidatorBoundsTest {

  private static HTTPRouteGroup group(List<HTTPMatch> matches) {
    HTTPRouteGroup g = new HTTPRouteGroup();
    g.setMetadata(new ObjectMetaBuilder().withNamespace("shop").withName("routes").build());
    g.setSpec(new HTTPRouteGroupSpec(matches));
    return g;
  }

  private static List<String> messages(HTTPRouteGroup g) {
    return SmiValidator.validate(g).stream().map(SmiProblem::toString).toList();
  }

  @Test
  void backreferenceLookaheadAndOverLongRegexesNameTheirField() {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("x-a", "(?=admin).*");
    HTTPRouteGroup g =
        group(
            List.of(
                new HTTPMatch("back", "/(a+)\\1", null, null),
                new HTTPMatch("ahead", null, null, headers),
                new HTTPMatch("long", "/" + "x".repeat(2000), null, null),
                new HTTPMatch("ok", "/(.*a){12}$", null, null)));

    assertThat(messages(g))
        .containsExactly(
            "HTTPRouteGroup shop/routes: spec.matches[0].pathRegex: is not a valid regex: invalid"
                + " escape sequence at `\\1` (regexes run on RE2: no backreferences, lookaround,"
                + " possessive quantifiers or atomic groups)",
            "HTTPRouteGroup shop/routes: spec.matches[1].headers.x-a: is not a valid regex:"
                + " invalid or unsupported Perl syntax at `(?=` (regexes run on RE2: no"
                + " backreferences, lookaround, possessive quantifiers or atomic groups)",
            "HTTPRouteGroup shop/routes: spec.matches[2].pathRegex: is 2001 characters long; at"
                + " most 1024 are allowed");
  }

  @Test
  void listsAndNamesAreBounded() {
    List<HTTPMatch> many = new ArrayList<>();
    for (int i = 0; i <= SmiValidator.MAX_MATCHES; i++) {
      many.add(new HTTPMatch("m" + i, null, null, null));
    }
    assertThat(messages(group(many)))
        .containsExactly(
            "HTTPRouteGroup shop/routes: spec.matches: has 65 items; at most 64 are" + " allowed");

    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("h".repeat(300), "x");
    assertThat(
            messages(
                group(
                    List.of(
                        new HTTPMatch("n".repeat(254), null, null, null),
                        new HTTPMatch("h", null, null, headers)))))
        .containsExactly(
            "HTTPRouteGroup shop/routes: spec.matches[0].name: is 254 characters long; at most 253"
                + " are allowed",
            "HTTPRouteGroup shop/routes: spec.matches[1].headers: a header name is 300 characters"
                + " long; at most 256 are allowed");

    Map<String, String> tooMany = new LinkedHashMap<>();
    for (int i = 0; i <= SmiValidator.MAX_HEADERS; i++) {
      tooMany.put("x-" + i, "v");
    }
    assertThat(messages(group(List.of(new HTTPMatch("h", null, null, tooMany)))))
        .containsExactly(
            "HTTPRouteGroup shop/routes: spec.matches[0].headers: has 17 headers; at most 16 are"
                + " allowed");
  }

  @Test
  void splitWithTooManyMatchesOrBackendsIsReported() {
    List<TrafficSplitBackend> backends = new ArrayList<>();
    for (int i = 0; i <= SmiValidator.MAX_BACKENDS; i++) {
      backends.add(new TrafficSplitBackend("v" + i, 1));
    }
    TrafficSplit split = new TrafficSplit();
    split.setMetadata(new ObjectMetaBuilder().withNamespace("shop").withName("s").build());
    split.setSpec(new TrafficSplitSpec("web", backends, null));
    assertThat(SmiValidator.validate(split))
        .extracting(SmiProblem::field)
        .containsExactly("spec.backends");
  }
}
