package io.nodemesh.proxy.tracing;

import java.util.Map;
import java.util.Objects;

/**
 * How the proxy traces. Flags win over the standard {@code OTEL_*} environment variables, which win
 * over Nodemesh's defaults.
 *
 * @param endpoint OTLP HTTP base URL (e.g. {@code http://otel-collector:4318}), or null for the
 *     environment's {@code OTEL_EXPORTER_OTLP_ENDPOINT}
 * @param sampleRatio fraction of new traces sampled (0..1) under a parent-based sampler, or null
 *     for the environment's {@code OTEL_TRACES_SAMPLER_ARG} (default 1)
 * @param properties further OpenTelemetry properties ({@code otel.*} names) set as if by flag
 */
public record TracingOptions(String endpoint, Double sampleRatio, Map<String, String> properties) {
  public TracingOptions {
    if (sampleRatio != null && !(sampleRatio >= 0 && sampleRatio <= 1)) {
      throw new IllegalArgumentException(
          "tracing options: sampleRatio " + sampleRatio + " not in 0..1");
    }
    if (endpoint != null && !(endpoint.startsWith("http://") || endpoint.startsWith("https://"))) {
      throw new IllegalArgumentException(
          "tracing options: endpoint '" + endpoint + "' is not an http:// or https:// URL");
    }
    properties = properties == null ? Map.of() : Map.copyOf(properties);
  }

  /** Nothing set by flag: tracing follows the environment only. */
  public static TracingOptions fromEnvironment() {
    return new TracingOptions(null, null, Map.of());
  }

  /**
   * Whether tracing is on: an OTLP endpoint is set (flag, {@code OTEL_EXPORTER_OTLP_ENDPOINT} or
   * {@code OTEL_EXPORTER_OTLP_TRACES_ENDPOINT}) or {@code OTEL_TRACES_EXPORTER} names an exporter,
   * and {@code OTEL_SDK_DISABLED} is not {@code true}.
   */
  public boolean enabled(Map<String, String> env) {
    Objects.requireNonNull(env, "environment");
    if ("true".equalsIgnoreCase(env.get("OTEL_SDK_DISABLED"))
        || "true".equalsIgnoreCase(properties.get("otel.sdk.disabled"))) {
      return false;
    }
    String exporter =
        properties.getOrDefault("otel.traces.exporter", env.get("OTEL_TRACES_EXPORTER"));
    if (exporter != null && !exporter.isBlank()) {
      return !"none".equalsIgnoreCase(exporter.trim());
    }
    return endpoint != null
        || properties.containsKey("otel.exporter.otlp.endpoint")
        || properties.containsKey("otel.exporter.otlp.traces.endpoint")
        || env.containsKey("OTEL_EXPORTER_OTLP_ENDPOINT")
        || env.containsKey("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
  }
}
