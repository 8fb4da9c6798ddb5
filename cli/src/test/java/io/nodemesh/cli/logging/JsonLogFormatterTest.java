package io.nodemesh.cli.logging;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JSON log line: one parseable object per record, whatever the message holds. */
class JsonLogFormatterTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void everyRecordIsOneLineOfJsonWithItsFields() throws IOException {
    String hostile = "quote \" backslash \\ newline\nCR\r tab\t bell\u0007 nul\u0000 ls\u2028 é";
    LogRecord r = new LogRecord(Level.WARNING, "listener {0}: {1}");
    r.setParameters(new Object[] {"5000", hostile});
    r.setLoggerName("io.nodemesh.proxy.NodeProxy");
    r.setInstant(Instant.parse("2026-01-02T03:04:05.678Z"));
    r.setThrown(new IllegalStateException("boom\nsecond line"));

    String line = new JsonLogFormatter().format(r);

    assertThat(line).endsWith("\n");
    assertThat(line.substring(0, line.length() - 1))
        .doesNotContain("\n", "\r", "\u2028", "\u0000", "\u0007");
    JsonNode json = JSON.readTree(line);
    assertThat(json.path("time").asText()).isEqualTo("2026-01-02T03:04:05.678Z");
    assertThat(json.path("level").asText()).isEqualTo("WARNING");
    assertThat(json.path("logger").asText()).isEqualTo("io.nodemesh.proxy.NodeProxy");
    assertThat(json.path("thread").asText()).isNotEmpty();
    assertThat(json.path("message").asText()).isEqualTo("listener 5000: " + hostile);
    assertThat(json.path("thrown").asText())
        .startsWith("java.lang.IllegalStateException: boom\nsecond line")
        .contains("\tat io.nodemesh.cli.logging.JsonLogFormatterTest");
  }

  @Test
  void aRecordWithoutExceptionHasNoThrownField() throws IOException {
    LogRecord r = new LogRecord(Level.INFO, "ready");
    JsonNode json = JSON.readTree(new JsonLogFormatter().format(r));
    assertThat(json.has("thrown")).isFalse();
    assertThat(json.path("logger").isNull()).isTrue();
    assertThat(json.path("message").asText()).isEqualTo("ready");
  }

  /**
   * The chart names the formatter in logging.properties (logFormat: json); java.util.logging loads
   * it by name at JVM start, so a JVM configured that way must print JSON lines.
   */
  @Test
  void aJvmConfiguredLikeTheChartLogsJson(@TempDir Path dir) throws Exception {
    Path props = dir.resolve("logging.properties");
    Files.writeString(
        props,
        String.join(
            "\n",
            "handlers = java.util.logging.ConsoleHandler",
            ".level = INFO",
            "java.util.logging.ConsoleHandler.level = ALL",
            "java.util.logging.ConsoleHandler.formatter = " + JsonLogFormatter.class.getName(),
            ""));
    String java = ProcessHandle.current().info().command().orElse("java");
    Process p =
        new ProcessBuilder(
                java,
                "-Djava.util.logging.config.file=" + props,
                "-cp",
                System.getProperty("java.class.path"),
                Probe.class.getName())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    List<String> lines = out.lines().toList();
    assertThat(lines).hasSize(1);
    JsonNode json = JSON.readTree(lines.getFirst());
    assertThat(json.path("logger").asText()).isEqualTo("probe");
    assertThat(json.path("message").asText()).isEqualTo("hello \"mesh\"");
  }

  @Test
  void logFormatParsesTextAndJsonOnly() {
    assertThat(LogFormat.parse("JSON")).isEqualTo(LogFormat.JSON);
    assertThat(LogFormat.parse(" text ")).isEqualTo(LogFormat.TEXT);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> LogFormat.parse("xml"))
        .hasMessage("must be text or json (got 'xml')");
  }

  /** Logs one line, in a JVM of its own. */
  public static final class Probe {
    private Probe() {}

    public static void main(String[] args) {
      Logger.getLogger("probe").info("hello \"mesh\"");
    }
  }
}
