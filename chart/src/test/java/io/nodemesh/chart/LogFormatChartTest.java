package io.nodemesh.chart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** logFormat: the formatter every component's java.util.logging configuration names. */
class LogFormatChartTest {
  static String logging(Map<String, Object> values) {
    return Rendered.render(values)
        .get("ConfigMap", "nodemesh-logging")
        .path("data")
        .path("logging.properties")
        .asText();
  }

  @Test
  void textIsTheDefaultAndJsonNamesTheJsonFormatter() {
    assertThat(logging(Map.of()))
        .contains("java.util.logging.ConsoleHandler.formatter = java.util.logging.SimpleFormatter");
    assertThat(logging(Map.of("logFormat", "json")))
        .contains(
            "java.util.logging.ConsoleHandler.formatter = io.nodemesh.cli.logging.JsonLogFormatter")
        .doesNotContain("formatter = java.util.logging.SimpleFormatter");
  }

  @Test
  void anotherFormatIsRefusedNamingTheValue() {
    assertThatThrownBy(() -> Rendered.render(Map.of("logFormat", "xml")))
        .hasMessageContaining("logFormat");
  }
}
