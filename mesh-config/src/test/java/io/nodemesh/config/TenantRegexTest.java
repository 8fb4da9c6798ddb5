package io.nodemesh.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nodemesh.config.access.HttpMatcher;
import io.nodemesh.config.access.RequestView;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TenantRegexTest {

  record Request(String method, String path, Map<String, List<String>> all) implements RequestView {
    @Override
    public List<String> headers(String name) {
      return all.getOrDefault(name, List.of());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"(a)\\1", "/(?=admin)", "/(?!public)", "(?<=x)y", "a*+", "(?>a)"})
  void backtrackingOnlySyntaxIsRefusedAndSaysWhy(String regex) {
    assertThat(TenantRegex.problem(regex))
        .startsWith("is not a valid regex: ")
        .contains("no backreferences, lookaround");
  }

  @Test
  void overLongRegexIsRefusedBeforeItIsParsed() {
    String regex = "(".repeat(20_000) + "a" + ")".repeat(20_000);
    assertThat(TenantRegex.problem(regex))
        .isEqualTo("is 40001 characters long; at most 1024 are allowed");
    // Length and size are separate bounds: a long character class is one step.
    assertThat(TenantRegex.problem("[" + "a-z".repeat(340) + "]+")).isNull();
    assertThat(TenantRegex.problem("a".repeat(TenantRegex.MAX_LENGTH)))
        .startsWith("is too complex");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "(a{1000}){1000}",
        "((a{100}){100}){100}",
        "[a-z]{1000}[a-z]{1000}" + "[a-z]{1000}[a-z]{1000}[a-z]{1000}",
        "(x{2,}){99999999}"
      })
  void repetitionsThatMultiplyTheProgramAreRefused(String regex) {
    // RE2/J 1.8 compiles (a{1000}){1000} into a million instructions (about 0.5 s and a hundred
    // milliseconds per 8 KiB path): linear, but not cheap.
    assertThat(TenantRegex.problem(regex)).startsWith("is too complex");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/api/v[0-9]+/",
        "/(.*a){12}$",
        "(a+)+$",
        "(?i)^/Shop/.*",
        "\\p{Greek}+",
        "[[:alpha:]]{1,64}",
        "/x{3,}",
        "\\Q(a{1000}){1000}\\E"
      })
  void usualAndCatastrophicOnBacktrackingRegexesAreAccepted(String regex) {
    assertThat(TenantRegex.problem(regex)).isNull();
  }

  @Test
  void sizeEstimateIsAnUpperBoundForNestedRepeats() {
    assertThat(TenantRegex.estimatedSize("abc")).isEqualTo(3);
    assertThat(TenantRegex.estimatedSize("(ab){10}")).isGreaterThanOrEqualTo(30);
    assertThat(TenantRegex.estimatedSize("((ab){10}){10}")).isGreaterThanOrEqualTo(300);
    assertThat(TenantRegex.estimatedSize("a{5,}")).isGreaterThanOrEqualTo(6);
    // Unbalanced or odd text never throws; the parser reports it.
    assertThat(TenantRegex.estimatedSize("((((\\")).isPositive();
    assertThat(TenantRegex.estimatedSize("[[:a")).isPositive();
    assertThat(TenantRegex.estimatedSize("a{,5}{")).isPositive();
  }

  @Test
  void theConfigContractRefusesWhatTheValidatorRefuses() {
    assertThatThrownBy(() -> new HttpMatch("g/m", "(a)\\1", List.of(), Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("match g/m: pathRegex is not a valid regex");
    assertThatThrownBy(() -> new HttpMatch("g/m", null, List.of(), Map.of("x", "b".repeat(2000))))
        .hasMessage("match g/m: headers.x is 2000 characters long; at most 1024 are allowed");
  }

  @Test
  void matchingKeepsPrefixForPathsAndFullMatchForHeaders() {
    HttpMatcher m =
        new HttpMatcher(new HttpMatch("g/m", "/api/v[0-9]+", List.of(), Map.of("x-v", "b|c")));
    assertThat(m.matches(new Request("GET", "/api/v2/items", Map.of("x-v", List.of("b")))))
        .isTrue();
    assertThat(m.matches(new Request("GET", "/x/api/v2", Map.of("x-v", List.of("b"))))).isFalse();
    assertThat(m.matches(new Request("GET", "/api/v2", Map.of("x-v", List.of("bc"))))).isFalse();
  }

  @Test
  void catastrophicRegexRunsInLinearTime() {
    // java.util.regex spends seconds (more than 8 s at 60 characters for the first one) on these.
    String input = "/" + "a".repeat(8000) + "b";
    for (String regex : List.of("/(.*a){12}$", "(a+)+$", "(a|aa)+$", "(.*){10}x")) {
      HttpMatcher m = new HttpMatcher(new HttpMatch("g/m", regex, List.of(), Map.of()));
      long start = System.nanoTime();
      boolean matched = m.matches(new Request("GET", input, Map.of()));
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      assertThat(matched).isFalse();
      // Linear: far below a second even on a loaded machine (it takes milliseconds).
      assertThat(took).as(regex).isLessThan(Duration.ofSeconds(2));
    }
  }
}
