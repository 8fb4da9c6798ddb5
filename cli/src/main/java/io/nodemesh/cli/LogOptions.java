package io.nodemesh.cli;

import io.nodemesh.cli.logging.LogFormat;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * {@code --log-format} of the long-running commands ({@code controller}, {@code proxy}, {@code
 * dns}).
 */
final class LogOptions {
  @Option(
      names = "--log-format",
      paramLabel = "FORMAT",
      description =
          "text or json (one JSON object per line: time, level, logger, thread, message, thrown)."
              + " Default: what the logging configuration says (text).")
  String logFormat;

  /** Installs the format asked for; a value other than text or json is a usage error. */
  void apply(CommandLine cmd) {
    if (logFormat == null) {
      return;
    }
    try {
      LogFormat.parse(logFormat).install();
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(cmd, "--log-format " + e.getMessage());
    }
  }
}
