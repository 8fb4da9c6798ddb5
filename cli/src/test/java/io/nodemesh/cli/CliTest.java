package io.nodemesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CliTest {
  record Result(int code, String out, String err) {}

  static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Result(code, out.toString(), err.toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"local", "demo", "controller", "proxy", "check", "prepare", "cleanup", "dns", "version"})
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
    Result r = run();
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).startsWith("nodemesh: a command is required").contains("Usage:");
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

  @Test
  void portOutOfRangeNamesTheValue(@TempDir Path dir) {
    Result r = run("local", "--entry-port", "70000", dir.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("port 70000 is not in 0..65535").contains("--entry-port");
  }

  @Test
  void portThatIsNotANumber(@TempDir Path dir) {
    Result r = run("local", "--admin-port", "abc", dir.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("'abc' is not a port number");
  }

  @Test
  void missingDirectory() {
    Result r = run("local", "/nonexistent/nodemesh-dir");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("DIR: '/nonexistent/nodemesh-dir' is not a directory");
  }

  @Test
  void sourceAndKubeconfigExcludeEachOther(@TempDir Path dir) {
    Result r = run("controller", "--source", dir.toString(), "--kubeconfig", "/x");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("mutually exclusive");
  }

  @Test
  void proxyServiceAccountNeedsTheKubernetesApi(@TempDir Path dir) {
    Result r =
        run("controller", "--source", dir.toString(), "--proxy-service-account", "nodemesh-proxy");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--proxy-service-account needs the Kubernetes API");
    assertThat(r.err()).doesNotContain("\tat ");
  }

  @Test
  void proxyServiceAccountMustNotBeBlank(@TempDir Path dir) {
    Result r = run("controller", "--source", dir.toString(), "--proxy-service-account", " ");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--proxy-service-account must name a ServiceAccount");
  }

  @Test
  void badPortRange() {
    Result r = run("controller", "--http-ports", "9000-5000");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--http-ports").contains("9000-5000");
  }

  @Test
  void proxyNeedsAControllerUrl() {
    assertThat(run("proxy").err()).contains("Missing required option: '--controller=URL'");
    Result r = run("proxy", "--controller", "ftp://example");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--controller: 'ftp://example' is not a URL");
  }

  @Test
  void tracingFlagsAreCheckedBeforeAnythingStarts() {
    Result r =
        run("proxy", "--controller", "http://127.0.0.1:1", "--trace-sample-ratio", "1.5");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).startsWith("nodemesh: --trace-sample-ratio: sampleRatio 1.5 not in 0..1");
    r = run("proxy", "--controller", "http://127.0.0.1:1", "--otlp-endpoint", "collector:4318");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--otlp-endpoint: endpoint 'collector:4318' is not an http://");
  }

  @Test
  void anAccessLogThatCannotBeOpenedIsOneLine(@TempDir Path dir) {
    String log = dir.resolve("missing/dir/access.log").toString();
    Result r =
        run("proxy", "--controller", "http://127.0.0.1:1", "--admin-port", "0", "--access-log", log);
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err())
        .startsWith("nodemesh proxy: access log '" + log + "' cannot be opened")
        .doesNotContain("\tat ");
  }

  @Test
  void versionPrintsTheBuildVersion() {
    Result r = run("version");
    assertThat(r.code()).isZero();
    assertThat(r.out()).matches("nodemesh \\d+\\.\\d+\\.\\d+.*\\R");
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
