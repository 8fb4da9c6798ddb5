package io.nodemesh.controller.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodemesh.controller.common.Problem;
import io.nodemesh.controller.common.ProblemReason;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ProblemReporterTest {
  final List<String> lines = new CopyOnWriteArrayList<>();
  final Logger jul = Logger.getLogger(ProblemReporter.class.getName());
  final Handler handler =
      new Handler() {
        @Override
        public void publish(LogRecord r) {
          lines.add(r.getMessage());
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };

  static final Problem A =
      new Problem(
          "TrafficSplit",
          "shop",
          "s",
          "spec.backends[0].service",
          "not found",
          ProblemReason.BACKEND_NOT_FOUND);
  static final Problem B =
      new Problem(
          "Service",
          "shop",
          "web",
          "metadata.annotations[nodemesh.io/traffic-type]",
          "bad",
          ProblemReason.INVALID_ANNOTATION);

  @BeforeEach
  void attach() {
    jul.addHandler(handler);
  }

  @AfterEach
  void detach() {
    jul.removeHandler(handler);
  }

  @Test
  void localModeLogsEachDistinctProblemOnceWhileItLasts() {
    ProblemReporter reporter = new ProblemReporter(null, () -> true, "test");

    reporter.report(List.of(A));
    reporter.report(List.of(A));
    reporter.report(List.of(A, B));
    assertThat(lines).hasSize(2);
    assertThat(lines.get(0)).contains("TrafficSplit shop/s").contains("spec.backends[0].service");
    assertThat(lines.get(1)).contains("Service shop/web");

    reporter.report(List.of(B));
    reporter.report(List.of(A, B));
    assertThat(lines).hasSize(3);
  }

  @Test
  void eventNamesAreStableValidAndDistinct() {
    assertThat(ProblemReporter.eventName(A))
        .isEqualTo(ProblemReporter.eventName(A))
        .matches("[a-z0-9.-]+")
        .startsWith("s.nodemesh-");
    assertThat(ProblemReporter.eventName(A)).isNotEqualTo(ProblemReporter.eventName(B));
  }
}
