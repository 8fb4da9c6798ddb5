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
  private static Service annotated(String name, String port, Map<String, String> annotations) {
    return new ServiceBuilder(service("shop", name, port))
        .editMetadata()
        .addToAnnotations(annotations)
        .endMetadata()
        .build();
  }

  @Test
  void everyTraefikAnnotationCompilesLikeItsNodemeshTwin() {
    CompileResult traefik =
        compile(
            annotated(
                "web",
                "80",
                Map.of(
                    "mesh.traefik.io/traffic-type", "http",
                    "mesh.traefik.io/scheme", "h2c",
                    "mesh.traefik.io/retry-attempts", "3",
                    "mesh.traefik.io/circuit-breaker-expression",
                        "ResponseCodeRatio(500, 600, 0, 600) > 0.25",
                    "mesh.traefik.io/ratelimit-average", "100",
                    "mesh.traefik.io/ratelimit-burst", "200")),
            annotated("db", "5432", Map.of("mesh.traefik.io/traffic-type", "tcp")),
            annotated("stats", "8125", Map.of("mesh.traefik.io/traffic-type", "udp")));
    CompileResult ours =
        compile(
            annotated(
                "web",
                "80",
                Map.of(
                    "nodemesh.io/traffic-type", "http",
                    "nodemesh.io/scheme", "h2c",
                    // Traefik's 3 attempts are the first try and two retries.
                    "nodemesh.io/retry-attempts", "2",
                    "nodemesh.io/circuit-breaker-ratio", "0.25",
                    "nodemesh.io/ratelimit-average", "100",
                    "nodemesh.io/ratelimit-burst", "200")),
            annotated("db", "5432", Map.of("nodemesh.io/traffic-type", "tcp")),
            annotated("stats", "8125", Map.of("nodemesh.io/traffic-type", "udp")));

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
    List<Problem> problems = new ArrayList<>();
    ServicePolicy p =
        PolicyAnnotations.parse(
            annotated(
                "web",
                "80",
                Map.of(
                    "mesh.traefik.io/circuit-breaker-expression", " NetworkErrorRatio() >= .5 ",
                    "mesh.traefik.io/retry-attempts", "1")),
            problems);
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
    List<Problem> problems = new ArrayList<>();
    ServicePolicy p =
        PolicyAnnotations.parse(
            annotated(
                "web", "80", Map.of("mesh.traefik.io/circuit-breaker-expression", expression)),
            problems);
    assertThat(p.circuitBreaker()).isEqualTo(ServicePolicy.CircuitBreaker.DEFAULTS);
    assertThat(problems)
        .singleElement()
        .satisfies(
            problem -> {
              assertThat(problem.field())
                  .isEqualTo("metadata.annotations[mesh.traefik.io/circuit-breaker-expression]");
              assertThat(problem.message()).contains("cannot be honoured");
              assertThat(problem.reason()).isEqualTo(ProblemReason.INVALID_ANNOTATION);
            });
  }

  @Test
  void aHostileExpressionIsBoundedAndReportedShort() {
    List<Problem> problems = new ArrayList<>();
    String hostile = "NetworkErrorRatio() > " + "9".repeat(100_000);
    PolicyAnnotations.parse(
        annotated("web", "80", Map.of("mesh.traefik.io/circuit-breaker-expression", hostile)),
        problems);
    assertThat(problems)
        .singleElement()
        .satisfies(p -> assertThat(p.message()).hasSizeLessThan(400));
  }

  @Test
  void badAliasValuesAreProblemsNamingTheTraefikAnnotation() {
    List<Problem> problems = new ArrayList<>();
    ServicePolicy p =
        PolicyAnnotations.parse(
            annotated(
                "web",
                "80",
                Map.of(
                    "mesh.traefik.io/retry-attempts", "twice",
                    "mesh.traefik.io/scheme", "grpc",
                    "mesh.traefik.io/circuit-breaker-expression", "NetworkErrorRatio() > 5")),
            problems);
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
    List<Problem> problems = new ArrayList<>();
    ServicePolicy p =
        PolicyAnnotations.parse(
            annotated("web", "80", Map.of("mesh.traefik.io/ratelimit-average", "5")), problems);
    assertThat(p.rateLimit()).isEqualTo(ServicePolicy.RateLimit.DEFAULTS);
    assertThat(problems)
        .singleElement()
        .satisfies(
            problem -> {
              assertThat(problem.field())
                  .isEqualTo("metadata.annotations[mesh.traefik.io/ratelimit-average]");
              assertThat(problem.message()).contains("only when both");
            });
  }

  @Test
  void oursWinsOverTheAliasAndTheAliasIsReported() {
    List<Problem> problems = new ArrayList<>();
    ServicePolicy p =
        PolicyAnnotations.parse(
            annotated(
                "web",
                "80",
                Map.of("nodemesh.io/retry-attempts", "4", "mesh.traefik.io/retry-attempts", "2")),
            problems);
    assertThat(p.retry().attempts()).isEqualTo(4);
    assertThat(problems)
        .singleElement()
        .satisfies(
            problem -> {
              assertThat(problem.field())
                  .isEqualTo("metadata.annotations[mesh.traefik.io/retry-attempts]");
              assertThat(problem.message()).contains("nodemesh.io/retry-attempts is set too");
            });

    CompileResult r =
        compile(
            annotated(
                "db",
                "5432",
                Map.of("nodemesh.io/traffic-type", "tcp", "mesh.traefik.io/traffic-type", "udp")));
    assertThat(listener(r, "shop", "db", 5432).protocol()).isEqualTo(Protocol.TCP);
  }
}
