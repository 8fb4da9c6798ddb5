package io.nodemesh.cli;

import io.nodemesh.proxy.ProxyOptions;
import io.nodemesh.proxy.tracing.TracingOptions;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** Tracing and access log flags of the proxy, shared by {@code proxy} and {@code local}. */
final class TelemetryOptions {
  @Option(
      names = "--otlp-endpoint",
      paramLabel = "URL",
      description =
          "Export traces over OTLP HTTP/protobuf to URL (e.g. http://otel-collector:4318)."
              + " Default: $OTEL_EXPORTER_OTLP_ENDPOINT; tracing is off when neither is set.")
  String otlpEndpoint;

  @Option(
      names = "--trace-sample-ratio",
      paramLabel = "R",
      description =
          "Fraction (0..1) of new traces sampled; a caller's sampling decision is always followed."
              + " Default: $OTEL_TRACES_SAMPLER_ARG, else 1.")
  Double sampleRatio;

  @Option(
      names = "--access-log",
      paramLabel = "FILE",
      description = "Write one JSON line per request and connection to FILE ('-' = stdout).")
  String accessLog;

  /** The options with these flags applied. */
  ProxyOptions applyTo(ProxyOptions options, CommandLine cmd) {
    try {
      return options
          .withTracing(new TracingOptions(otlpEndpoint, sampleRatio, Map.of()))
          .withAccessLog(accessLog);
    } catch (IllegalArgumentException e) {
      String m = e.getMessage();
      throw new CommandLine.ParameterException(
          cmd,
          (m.contains("sampleRatio") ? "--trace-sample-ratio: " : "--otlp-endpoint: ")
              + m.substring(m.indexOf(": ") + 2));
    }
  }
}
