package io.nodemesh.controller.compile;

import static io.nodemesh.testkit.K8s.service;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.nodemesh.config.Scheme;
import io.nodemesh.config.ServicePolicy;
import io.nodemesh.config.ServicePolicy.HashOn;
import io.nodemesh.config.ServicePolicy.LbPolicy;
import io.nodemesh.controller.common.Problem;
import io.nodemesh.controller.common.ProblemReason;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PolicyAnnotationsTest {
  final List<Problem> problems = new ArrayList<>();

  ServicePolicy parse(Map<String, String> annotations) {
    Service s =
        new ServiceBuilder(service("shop", "web", "80"))
            .editMetadata()
            .addToAnnotations(annotations)
            .endMetadata()
            .build();
    return PolicyAnnotations.parse(s, problems);
  }

  @Test
  void noAnnotationsIsTheDefaultPolicyWithoutProblems() {
    assertThat(parse(Map.of("other.io/x", "1"))).isSameAs(ServicePolicy.defaults());
    assertThat(problems).isEmpty();
  }

  @Test
  void everyAnnotationIsRead() {
    ServicePolicy p =
        parse(
            Map.ofEntries(
                Map.entry("nodemesh.io/scheme", "h2c"),
                Map.entry("nodemesh.io/lb-policy", "consistent-hash"),
                Map.entry("nodemesh.io/lb-hash-key", "header:X-User"),
                Map.entry("nodemesh.io/prefer-same-node", "false"),
                Map.entry("nodemesh.io/connect-timeout", "250ms"),
                Map.entry("nodemesh.io/timeout", "1m30s"),
                Map.entry("nodemesh.io/idle-timeout", "2m"),
                Map.entry("nodemesh.io/retry-attempts", "3"),
                Map.entry("nodemesh.io/retry-timeout", "1.5s"),
                Map.entry("nodemesh.io/retry-backoff", "10ms"),
                Map.entry("nodemesh.io/retry-backoff-max", "200ms"),
                Map.entry("nodemesh.io/retry-budget", "25%"),
                Map.entry("nodemesh.io/retry-budget-min", "3"),
                Map.entry("nodemesh.io/circuit-breaker-failures", "5"),
                Map.entry("nodemesh.io/circuit-breaker-ratio", "0.5"),
                Map.entry("nodemesh.io/circuit-breaker-min-requests", "8"),
                Map.entry("nodemesh.io/circuit-breaker-window", "30s"),
                Map.entry("nodemesh.io/circuit-breaker-open", "5s"),
                Map.entry("nodemesh.io/circuit-breaker-half-open-requests", "2"),
                Map.entry("nodemesh.io/outlier-failures", "3"),
                Map.entry("nodemesh.io/outlier-ejection", "10s"),
                Map.entry("nodemesh.io/outlier-max-percent", "20"),
                Map.entry("nodemesh.io/ratelimit-average", "12.5"),
                Map.entry("nodemesh.io/ratelimit-burst", "40"),
                Map.entry("nodemesh.io/ratelimit-per-source", "TRUE")));

    assertThat(problems).isEmpty();
    assertThat(p.scheme()).isEqualTo(Scheme.H2C);
    assertThat(p.balancing())
        .isEqualTo(
            new ServicePolicy.Balancing(LbPolicy.CONSISTENT_HASH, HashOn.HEADER, "X-User", false));
    assertThat(p.timeouts()).isEqualTo(new ServicePolicy.Timeouts(250, 90_000, 120_000));
    assertThat(p.retry()).isEqualTo(new ServicePolicy.Retry(3, 1500, 10, 200, 0.25, 3));
    assertThat(p.circuitBreaker())
        .isEqualTo(new ServicePolicy.CircuitBreaker(5, 0.5, 8, 30_000, 5000, 2));
    assertThat(p.outlier()).isEqualTo(new ServicePolicy.Outlier(3, 10_000, 20));
    assertThat(p.rateLimit()).isEqualTo(new ServicePolicy.RateLimit(12.5, 40, true));
  }

  @Test
  void aBadValueIsOneProblemNamingServiceAnnotationAndValueAndTheDefaultApplies() {
    ServicePolicy p =
        parse(
            Map.of(
                "nodemesh.io/lb-policy", "fastest",
                "nodemesh.io/retry-attempts", "3",
                "nodemesh.io/timeout", "30",
                "nodemesh.io/outlier-max-percent", "150",
                "nodemesh.io/lb-hash-key", "query:x"));

    assertThat(p.balancing()).isEqualTo(ServicePolicy.Balancing.DEFAULTS);
    assertThat(p.retry().attempts()).isEqualTo(3);
    assertThat(p.timeouts().requestMillis()).isZero();
    assertThat(p.outlier().maxEjectionPercent()).isEqualTo(50);
    assertThat(problems).hasSize(4).allMatch(x -> x.reason() == ProblemReason.INVALID_ANNOTATION);
    assertThat(problems)
        .allMatch(x -> x.objectRef().equals("shop/web") && x.kind().equals("Service"));
    assertThat(problems.stream().map(Problem::toString))
        .anyMatch(
            t ->
                t.contains("metadata.annotations[nodemesh.io/lb-policy]")
                    && t.contains("'fastest'")
                    && t.contains("using the default round-robin"))
        .anyMatch(t -> t.contains("[nodemesh.io/timeout]") && t.contains("'30'"))
        .anyMatch(t -> t.contains("[nodemesh.io/outlier-max-percent]") && t.contains("'150'"))
        .anyMatch(t -> t.contains("[nodemesh.io/lb-hash-key]") && t.contains("source-ip"));
  }

  @Test
  void aBackoffMaximumBelowTheBaseIsReportedAndClamped() {
    ServicePolicy p =
        parse(
            Map.of("nodemesh.io/retry-backoff", "100ms", "nodemesh.io/retry-backoff-max", "50ms"));
    assertThat(p.retry().backoffMaxMillis()).isEqualTo(100);
    assertThat(problems)
        .singleElement()
        .satisfies(x -> assertThat(x.field()).contains("retry-backoff-max"));
  }

  @Test
  void durationsFollowGoSyntax() {
    assertThat(PolicyAnnotations.millis("0")).isZero();
    assertThat(PolicyAnnotations.millis("1h")).isEqualTo(3_600_000);
    assertThat(PolicyAnnotations.millis("0.5s")).isEqualTo(500);
    assertThat(PolicyAnnotations.millis("1m30s250ms")).isEqualTo(90_250);
    for (String bad : List.of("", "5", "5 s", "s", "-1s", "1d", "25h", "1s x")) {
      assertThatThrownBy(() -> PolicyAnnotations.millis(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void theCompiledListenerCarriesTheServicesPolicy() {
    Service s =
        new ServiceBuilder(service("shop", "web", "80", "admin:81"))
            .editMetadata()
            .addToAnnotations("nodemesh.io/retry-attempts", "2")
            .endMetadata()
            .build();
    CompileResult r = MeshCompilerTest.compile(s);
    assertThat(r.config().listeners())
        .hasSize(2)
        .allSatisfy(l -> assertThat(l.policy().retry().attempts()).isEqualTo(2));
  }

  @Test
  void upgradeProtocolsAndMaxConnectionsAreReadAndH2cIsRefused() {
    ServicePolicy p =
        parse(
            Map.of(
                "nodemesh.io/upgrade-protocols", " WebSocket, foo ",
                "nodemesh.io/max-connections", "50"));
    assertThat(p.connections().upgradeProtocols()).containsExactly("websocket", "foo");
    assertThat(p.connections().maxConnections()).isEqualTo(50);
    assertThat(problems).isEmpty();

    ServicePolicy none = parse(Map.of("nodemesh.io/upgrade-protocols", "none"));
    assertThat(none.connections().upgradeProtocols()).isEmpty();
    assertThat(problems).isEmpty();

    // h2c would hand the backend's HTTP/2 to the client as an unchecked tunnel: refused, default.
    ServicePolicy h2c = parse(Map.of("nodemesh.io/upgrade-protocols", "websocket,h2c"));
    assertThat(h2c.connections().upgradeProtocols()).containsExactly("websocket");
    assertThat(problems)
        .singleElement()
        .satisfies(
            pr -> {
              assertThat(pr.field())
                  .isEqualTo("metadata.annotations[nodemesh.io/upgrade-protocols]");
              assertThat(pr.message())
                  .contains("'websocket,h2c'")
                  .contains("using the default websocket");
            });
    problems.clear();
    parse(Map.of("nodemesh.io/upgrade-protocols", "a b", "nodemesh.io/max-connections", "-1"));
    assertThat(problems).hasSize(2);
  }

  @Test
  void aUdpServiceAskingToKeepIdleSessionsForADayIsReported() {
    Service udp =
        new ServiceBuilder(service("shop", "dns", "53/UDP"))
            .editMetadata()
            .addToAnnotations("nodemesh.io/idle-timeout", "24h")
            .endMetadata()
            .build();
    CompileResult r = MeshCompilerTest.compile(udp);
    assertThat(r.problems())
        .anySatisfy(
            p -> {
              assertThat(p.name()).isEqualTo("dns");
              assertThat(p.field()).isEqualTo("metadata.annotations[nodemesh.io/idle-timeout]");
              assertThat(p.message()).contains("'24h'").contains("proxies use 5m");
            });
    // The same value on a TCP Service is no problem: TCP relays have no idle bound.
    Service tcp =
        new ServiceBuilder(service("shop", "db", "5432"))
            .editMetadata()
            .addToAnnotations("nodemesh.io/idle-timeout", "24h")
            .addToAnnotations("nodemesh.io/traffic-type", "tcp")
            .endMetadata()
            .build();
    assertThat(MeshCompilerTest.compile(tcp).problems()).isEmpty();
  }

  @Test
  void encodedSlashesAreRefusedUnlessTheServiceOptsIn() {
    assertThat(ServicePolicy.defaults().paths().allowEncodedSlashes()).isFalse();
    assertThat(parse(Map.of("nodemesh.io/allow-encoded-slashes", "true")).paths())
        .isEqualTo(new ServicePolicy.Paths(true));
    assertThat(parse(Map.of("nodemesh.io/allow-encoded-slashes", "yes please")).paths())
        .isEqualTo(ServicePolicy.Paths.DEFAULTS);
    assertThat(problems)
        .singleElement()
        .satisfies(
            p -> assertThat(p.field() + " " + p.message()).contains("allow-encoded-slashes"));
  }

  @Test
  void docsListEveryAnnotationInTheTable() throws Exception {
    String docs =
        java.nio.file.Files.readString(java.nio.file.Path.of("..", "docs", "annotations.md"));
    for (String a : PolicyAnnotations.ALL) {
      assertThat(docs).as(a).contains("| [`" + a + "`]");
    }
  }
}
