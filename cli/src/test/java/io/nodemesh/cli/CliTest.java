package io.nodemesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodemesh.config.Protocol;
import io.nodemesh.proxy.limits.LimitSettings;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

class CliTest {
  record Result(int code, String out, String err) {}

  /** Runs {@code nodemesh args}, asserts exit code 2 (a usage error) and answers stderr. */
  static String usageError(String... args) {
    return stderr(2, args);
  }

  /** Runs {@code nodemesh args}, asserts that it exits with {@code code}, and answers stderr. */
  static String stderr(int code, String... args) {
    Result r = run(args);
    assertThat(r.code()).as(r.err()).isEqualTo(code);
    return r.err();
  }

  static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Result(code, out.toString(), err.toString());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "local",
        "demo",
        "controller",
        "proxy",
        "check",
        "prepare",
        "cleanup",
        "dns",
        "version"
      })
  void everyCommandHasHelp(String command) {
    Result r = run(command, "--help");
    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("Usage: nodemesh " + command);
    assertThat(r.err()).isEmpty();
  }

  @Test
  void topLevelHelpListsTheCommands() {
    Result r = run("--help");
    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("local", "demo", "controller", "proxy", "version");
  }

  @Test
  void noCommandIsAUsageError() {
    assertThat(usageError()).startsWith("nodemesh: a command is required").contains("Usage:");
  }

  @Test
  void unknownFlagGetsOneLineReasonUsageAndExitCode2() {
    Result r = run("local", "--entry-prot=8000", ".");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err().lines().findFirst().orElseThrow())
        .startsWith("nodemesh: Unknown option: '--entry-prot=8000'");
    assertThat(r.err()).contains("Usage: nodemesh local");
    assertThat(r.err()).doesNotContain("Exception").doesNotContain("\tat ");
  }

  /**
   * A bad value of a flag or argument: exit code 2, and stderr names it; {@code DIR} in the
   * arguments stands for an existing folder, the {@code ;} in what stderr says parts fragments.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      textBlock =
          """
          port out of range            | local --entry-port 70000 DIR                | port 70000 is not in 0..65535;--entry-port
          port that is not a number    | local --admin-port abc DIR                  | 'abc' is not a port number
          missing directory            | local /nonexistent/nodemesh-dir             | DIR: '/nonexistent/nodemesh-dir' is not a directory
          source and kubeconfig        | controller --source DIR --kubeconfig /x     | mutually exclusive
          bad port range               | controller --http-ports 9000-5000           | --http-ports;9000-5000
          bad default traffic type     | controller --default-traffic-type quic      | --default-traffic-type;http, tcp, udp or auto
          """)
  void aBadValueIsAUsageError(String what, String args, String says, @TempDir Path dir) {
    String[] argv =
        java.util.Arrays.stream(args.split(" "))
            .map(a -> a.equals("DIR") ? dir.toString() : a)
            .toArray(String[]::new);
    assertThat(usageError(argv)).contains(says.split(";"));
  }

  @Test
  void proxyServiceAccountNeedsTheKubernetesApi(@TempDir Path dir) {
    assertThat(
            usageError(
                "controller",
                "--source",
                dir.toString(),
                "--proxy-service-account",
                "nodemesh-proxy"))
        .contains("--proxy-service-account needs the Kubernetes API")
        .doesNotContain("\tat ");
  }

  @Test
  void proxyServiceAccountMustNotBeBlank(@TempDir Path dir) {
    assertThat(usageError("controller", "--source", dir.toString(), "--proxy-service-account", " "))
        .contains("--proxy-service-account must name a ServiceAccount");
  }

  @Test
  void undeclaredPortsAreDetectedUnlessTheFlagSaysOtherwise() {
    LocalCommand local = new LocalCommand();
    new CommandLine(local).parseArgs(".");
    assertThat(LocalCommand.localControllerOptions(local.mesh, 0).defaultTrafficType())
        .isEqualTo(Protocol.AUTO);
    new CommandLine(local).parseArgs("--default-traffic-type=http", ".");
    assertThat(LocalCommand.localControllerOptions(local.mesh, 0).defaultTrafficType())
        .isEqualTo(Protocol.HTTP);
  }

  @Test
  void proxyNeedsAControllerUrl() {
    assertThat(run("proxy").err()).contains("Missing required option: '--controller=URL'");
    assertThat(usageError("proxy", "--controller", "ftp://example"))
        .contains("--controller: 'ftp://example' is not a URL");
  }

  @Test
  void tracingFlagsAreCheckedBeforeAnythingStarts() {
    assertThat(
            usageError(
                "proxy", "--controller", "http://127.0.0.1:1", "--trace-sample-ratio", "1.5"))
        .startsWith("nodemesh: --trace-sample-ratio: sampleRatio 1.5 not in 0..1");
    assertThat(
            usageError(
                "proxy", "--controller", "http://127.0.0.1:1", "--otlp-endpoint", "collector:4318"))
        .contains("--otlp-endpoint: endpoint 'collector:4318' is not an http://");
  }

  @Test
  void limitFlagsReachTheProxysLimitSettings() {
    ProxyCommand proxy = new ProxyCommand();
    CommandLine cmd = new CommandLine(proxy);
    cmd.parseArgs(
        "--controller=http://127.0.0.1:1",
        "--max-connections-per-listener=7",
        "--max-requests-per-upstream=8",
        "--max-request-line=1000",
        "--max-header-size=2000",
        "--max-header-count=30",
        "--header-read-timeout=500ms",
        "--body-read-timeout=1m30s",
        "--max-websocket-frame=65536");
    assertThat(proxy.limits.settings(cmd))
        .isEqualTo(
            new LimitSettings(
                7, 8, 1000, 2000, 30, Duration.ofMillis(500), Duration.ofSeconds(90), 65536));
    LocalCommand local = new LocalCommand();
    cmd = new CommandLine(local);
    cmd.parseArgs("--max-header-count=12", ".");
    assertThat(local.limits.settings(cmd))
        .isEqualTo(LimitSettings.defaults().withHeaderLimits(4096, 8192, 12));
    cmd.parseArgs(".");
    assertThat(local.limits.settings(cmd)).isEqualTo(LimitSettings.defaults());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "--max-connections-per-listener | 0 | must be a positive number (got 0)",
        "--max-requests-per-upstream | -1 | must be a positive number (got -1)",
        "--max-request-line | 0 | must be a positive number (got 0)",
        "--max-header-size | abc | 'abc' is not an int",
        "--max-header-count | 0 | must be a positive number (got 0)",
        "--header-read-timeout | 10 | must be a positive duration such as 500ms, 10s or 2m",
        "--body-read-timeout | 0s | must be a positive duration such as 500ms, 10s or 2m",
        "--max-websocket-frame | 0 | must be a positive number (got 0)",
      })
  void badLimitIsAUsageErrorNamingTheFlag(
      String flag, String value, String reason, @TempDir Path dir) {
    for (String[] args :
        List.of(
            new String[] {"proxy", "--controller", "http://127.0.0.1:1", flag, value},
            new String[] {"local", flag, value, dir.toString()})) {
      Result r = run(args);
      assertThat(r.code()).as(String.join(" ", args)).isEqualTo(2);
      assertThat(r.err().lines().findFirst().orElseThrow()).contains(flag).contains(reason);
      assertThat(r.err()).contains("Usage: nodemesh " + args[0]).doesNotContain("\tat ");
    }
  }

  @Test
  void anAccessLogThatCannotBeOpenedIsOneLine(@TempDir Path dir) {
    String log = dir.resolve("missing/dir/access.log").toString();
    Result r =
        run(
            "proxy",
            "--controller",
            "http://127.0.0.1:1",
            "--admin-port",
            "0",
            "--access-log",
            log);
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err())
        .startsWith("nodemesh proxy: access log '" + log + "' cannot be opened")
        .doesNotContain("\tat ");
  }

  @Test
  void versionPrintsTheBuildVersionRevisionAndJava() throws Exception {
    Result r = run("version");
    assertThat(r.code()).isZero();
    String[] lines = r.out().split("\\R");
    assertThat(lines).hasSize(3);
    // The version Maven built (the root pom's), not a placeholder.
    Matcher pomVersion =
        Pattern.compile("<artifactId>nodemesh-parent</artifactId>\\s*<version>([^<]+)</version>")
            .matcher(Files.readString(Path.of("..", "pom.xml")));
    assertThat(pomVersion.find()).isTrue();
    assertThat(lines[0]).isEqualTo("nodemesh " + pomVersion.group(1));
    // The commit this checkout is at, as the build asked git for it.
    Process git =
        new ProcessBuilder("git", "rev-parse", "--short=12", "HEAD")
            .redirectErrorStream(true)
            .start();
    String head = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertThat(git.waitFor()).as(head).isZero();
    assertThat(lines[1]).isEqualTo("revision: " + head);
    assertThat(lines[2])
        .startsWith("java: " + Runtime.version() + " (")
        .contains(System.getProperty("os.arch"));
    assertThat(run("--version").out()).isEqualTo(r.out());
  }

  @Test
  void unreachableApiServerIsOneLineAndExitCode1(@TempDir Path dir) throws Exception {
    Path kubeconfig = dir.resolve("kubeconfig");
    java.nio.file.Files.writeString(
        kubeconfig,
        """
        apiVersion: v1
        kind: Config
        clusters:
        - name: nowhere
          cluster: {server: "https://127.0.0.1:1"}
        users:
        - name: me
          user: {token: abc}
        contexts:
        - name: nowhere
          context: {cluster: nowhere, user: me}
        current-context: nowhere
        """);
    Result r = run("controller", "--kubeconfig", kubeconfig.toString(), "--port", "0");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err())
        .startsWith("nodemesh controller: cannot reach the Kubernetes API at https://127.0.0.1:1/")
        .contains("--kubeconfig")
        .doesNotContain("\tat ");
  }
}
