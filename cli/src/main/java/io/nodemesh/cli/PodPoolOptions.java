package io.nodemesh.cli;

import io.nodemesh.proxy.tunnel.PodPoolSettings;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The destination's pod connection pool of {@code nodemesh proxy} (issue 14, docs/cli.md): the
 * flags, each with an environment variable for the chart's DaemonSet, and their checks.
 */
final class PodPoolOptions {
  @Option(
      names = "--pod-pool-max-idle",
      paramLabel = "N",
      defaultValue = "${env:NODEMESH_POD_POOL_MAX_IDLE:-" + PodPoolSettings.DEFAULT_MAX_IDLE + "}",
      description =
          "Idle keep-alive connections the tunnel's destination keeps per pod and event loop,"
              + " 0 to "
              + PodPoolSettings.MAX_IDLE_LIMIT
              + " (0: a new connection per request). Environment:"
              + " NODEMESH_POD_POOL_MAX_IDLE. Default: ${DEFAULT-VALUE}.")
  String maxIdle;

  @Option(
      names = "--pod-pool-idle-timeout",
      paramLabel = "DURATION",
      defaultValue = "${env:NODEMESH_POD_POOL_IDLE_TIMEOUT:-4s}",
      description =
          "Close a pooled pod connection unused for this long (up to 10m); keep it below the pods'"
              + " own keep-alive timeout. Environment: NODEMESH_POD_POOL_IDLE_TIMEOUT."
              + " Default: ${DEFAULT-VALUE}.")
  String idleTimeout;

  /** The settings, or a usage error naming the flag. */
  PodPoolSettings settings(CommandLine cmd) {
    int n;
    try {
      n = Integer.parseInt(maxIdle.trim());
    } catch (NumberFormatException e) {
      throw new CommandLine.ParameterException(
          cmd,
          "--pod-pool-max-idle must be a number 0-"
              + PodPoolSettings.MAX_IDLE_LIMIT
              + " (got '"
              + maxIdle
              + "')");
    }
    try {
      return new PodPoolSettings(
          n, LimitOptions.duration(cmd, "--pod-pool-idle-timeout", idleTimeout, null));
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(
          cmd, "--pod-pool-max-idle / --pod-pool-idle-timeout: " + e.getMessage());
    }
  }
}
