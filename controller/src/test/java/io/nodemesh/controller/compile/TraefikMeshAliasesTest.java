package io.nodemesh.controller.compile;

import static io.nodemesh.controller.compile.MeshCompilerTest.compile;
import static io.nodemesh.controller.compile.MeshCompilerTest.listener;
import static io.nodemesh.testkit.K8s.service;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.nodemesh.config.Protocol;
import io.nodemesh.config.Scheme;
import io.nodemesh.config.ServicePolicy;
import io.nodemesh.controller.common.Problem;
import io.nodemesh.controller.common.ProblemReason;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A Service annotated for Traefik Mesh keeps its policy under Nodemesh: the compiled listener is
 * the one its {@code nodemesh.io/*} twin gives, and what cannot be honoured is a Problem naming the
 * Traefik annotation.
 */
class TraefikMeshAliasesTest {
  /** What the policy parser reported; a new list for every test. */
  private final List<Problem> problems = new ArrayList<>();

  private static Service annotated(String name, String port, Map<String, String> annotations) {
    return new ServiceBuilder(service("shop", name, port))
        .editMetadata()
        .addToAnnotations(annotations)
        .endMetadata()
        .build();
  }

  /** shop/web:80 with these annotations, and shop/db:5432 and shop/stats:8125 typed tcp and udp. */
  private static CompileResult compileWebDbStats(Map<String, String> web, String prefix) {
    return compile(
        annotated("web", "80", web),
        annotated("db", "5432", Map.of(prefix + "traffic-type", "tcp")),
        annotated("stats", "8125", Map.of(prefix + "traffic-type", "udp")));
  }

  /** Parses the policy of shop/web:80 with these annotations. */
  private ServicePolicy parseWeb(Map<String, String> annotations) {
    return PolicyAnnotations.parse(annotated("web", "80", annotations), problems);
  }

  /** The one problem names the annotation and its message says this. */
  private void assertOneProblemOn(String annotation, String says) {
    assertThat(problems)
        .singleElement()
        .satisfies(
            problem -> {
              assertThat(problem.field()).isEqualTo("metadata.annotations[" + annotation + "]");
              assertThat(problem.message()).contains(says);
            });
  }

  @Test
  void everyTraefikAnnotationCompilesLikeItsNodemeshTwin() {
    CompileResult traefik =
        compileWebDbStats(
            Map.of(
                "mesh.traefik.io/traffic-type", "http",
                "mesh.traefik.io/scheme", "h2c",
                "mesh.traefik.io/retry-attempts", "3",
                "mesh.traefik.io/circuit-breaker-expression",
                    "ResponseCodeRatio(500, 600, 0, 600) > 0.25",
                "mesh.traefik.io/ratelimit-average", "100",
                "mesh.traefik.io/ratelimit-burst", "200"),
            "mesh.traefik.io/");
    CompileResult ours =
        compileWebDbStats(
            Map.of(
                "nodemesh.io/traffic-type", "http",
                "nodemesh.io/scheme", "h2c",
                // Traefik's 3 attempts are the first try and two retries.
                "nodemesh.io/retry-attempts", "2",
                "nodemesh.io/circuit-breaker-ratio", "0.25",
                "nodemesh.io/ratelimit-average", "100",
                "nodemesh.io/ratelimit-burst", "200"),
            "nodemesh.io/");

    assertThat(traefik.problems()).isEmpty();
    ServicePolicy policy = listener(traefik, "shop", "web", 80).policy();
    assertThat(policy).isEqualTo(listener(ours, "shop", "web", 80).policy());
    assertThat(policy.scheme()).isEqualTo(Scheme.H2C);
    assertThat(policy.retry().attempts()).isEqualTo(2);
    assertThat(policy.circuitBreaker().errorRatio()).isEqualTo(0.25);
    assertThat(policy.rateLimit().average()).isEqualTo(100.0);
    assertThat(policy.rateLimit().burst()).isEqualTo(200);
    assertThat(listener(traefik, "shop", "db", 5432).protocol()).isEqualTo(Protocol.TCP);
    assertThat(listener(traefik, "shop", "stats", 8125).protocol()).isEqualTo(Protocol.UDP);
  }

  @Test
  void everyAliasHasARowInTheMigrationGuide() throws Exception {
    String guide = Files.readString(Path.of("..", "docs", "migrate-from-traefik-mesh.md"));
    for (String name : TraefikMeshAliases.NAMES) {
      assertThat(guide).contains("| `" + TraefikMeshAliases.PREFIX + name + "` |");
    }
  }

  @Test
  void theOldMaeshPrefixIsReadToo() {
    CompileResult r =
        compile(
            annotated(
                "db",
                "5432",
                Map.of(
                    "maesh.containo.us/traffic-type", "tcp",
                    "maesh.containo.us/retry-attempts", "2")));
    assertThat(r.problems()).isEmpty();
    assertThat(listener(r, "shop", "db", 5432).protocol()).isEqualTo(Protocol.TCP);
    assertThat(listener(r, "shop", "db", 5432).policy().retry().attempts()).isEqualTo(1);
  }

  @Test
  void networkErrorRatioIsTheErrorRatioAndOneAttemptIsNoRetry() {
    ServicePolicy p =
        parseWeb(
            Map.of(
                "mesh.traefik.io/circuit-breaker-expression", " NetworkErrorRatio() >= .5 ",
                "mesh.traefik.io/retry-attempts", "1"));
    assertThat(problems).isEmpty();
    assertThat(p.circuitBreaker().errorRatio()).isEqualTo(0.5);
    assertThat(p.retry().attempts()).isZero();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "LatencyAtQuantileMS(50.0) > 100",
        "NetworkErrorRatio() > 0.30 || ResponseCodeRatio(500, 600, 0, 600) > 0.25",
        "ResponseCodeRatio(400, 500, 0, 600) > 0.5",
        "NetworkErrorRatio() < 0.5",
      })
  void anExpressionWeCannotHonourIsAProblemNamingItAndNoBreaker(String expression) {
    ServicePolicy p = parseWeb(Map.of("mesh.traefik.io/circuit-breaker-expression", expression));
    assertThat(p.circuitBreaker()).isEqualTo(ServicePolicy.CircuitBreaker.DEFAULTS);
    assertOneProblemOn("mesh.traefik.io/circuit-breaker-expression", "cannot be honoured");
    assertThat(problems.get(0).reason()).isEqualTo(ProblemReason.INVALID_ANNOTATION);
  }

  @Test
  void aHostileExpressionIsBoundedAndReportedShort() {
    String hostile = "NetworkErrorRatio() > " + "9".repeat(100_000);
    parseWeb(Map.of("mesh.traefik.io/circuit-breaker-expression", hostile));
    assertThat(problems)
        .singleElement()
        .satisfies(p -> assertThat(p.message()).hasSizeLessThan(400));
  }

  @Test
  void badAliasValuesAreProblemsNamingTheTraefikAnnotation() {
    ServicePolicy p =
        parseWeb(
            Map.of(
                "mesh.traefik.io/retry-attempts", "twice",
                "mesh.traefik.io/scheme", "grpc",
                "mesh.traefik.io/circuit-breaker-expression", "NetworkErrorRatio() > 5"));
    assertThat(p.retry().attempts()).isZero();
    assertThat(p.scheme()).isEqualTo(Scheme.HTTP);
    assertThat(p.circuitBreaker().errorRatio()).isZero();
    assertThat(problems)
        .extracting(Problem::field)
        .containsExactlyInAnyOrder(
            "metadata.annotations[mesh.traefik.io/retry-attempts]",
            "metadata.annotations[mesh.traefik.io/scheme]",
            "metadata.annotations[mesh.traefik.io/circuit-breaker-expression]");

    CompileResult r =
        compile(annotated("web", "80", Map.of("mesh.traefik.io/traffic-type", "grpc")));
    assertThat(listener(r, "shop", "web", 80).protocol()).isEqualTo(Protocol.HTTP);
    assertThat(r.problems())
        .extracting(Problem::field)
        .containsExactly("metadata.annotations[mesh.traefik.io/traffic-type]");
  }

  @Test
  void aRateLimitAliasAloneLimitsNothingAsInTraefikMesh() {
    ServicePolicy p = parseWeb(Map.of("mesh.traefik.io/ratelimit-average", "5"));
    assertThat(p.rateLimit()).isEqualTo(ServicePolicy.RateLimit.DEFAULTS);
    assertOneProblemOn("mesh.traefik.io/ratelimit-average", "only when both");
  }

  @Test
  void oursWinsOverTheAliasAndTheAliasIsReported() {
    ServicePolicy p =
        parseWeb(Map.of("nodemesh.io/retry-attempts", "4", "mesh.traefik.io/retry-attempts", "2"));
    assertThat(p.retry().attempts()).isEqualTo(4);
    assertOneProblemOn("mesh.traefik.io/retry-attempts", "nodemesh.io/retry-attempts is set too");

    CompileResult r =
        compile(
            annotated(
                "db",
                "5432",
                Map.of("nodemesh.io/traffic-type", "tcp", "mesh.traefik.io/traffic-type", "udp")));
    assertThat(listener(r, "shop", "db", 5432).protocol()).isEqualTo(Protocol.TCP);
  }
}
