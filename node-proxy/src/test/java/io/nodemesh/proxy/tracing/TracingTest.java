package io.nodemesh.proxy.tracing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class TracingTest {
  private static final TracingOptions NONE = TracingOptions.fromEnvironment();

  @Test
  void offUnlessAnExporterIsNamed() {
    assertThat(NONE.enabled(Map.of())).isFalse();
    assertThat(NONE.enabled(Map.of("OTEL_SERVICE_NAME", "x"))).isFalse();
    assertThat(NONE.enabled(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"))).isTrue();
    assertThat(
            NONE.enabled(Map.of("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://c:4318/v1/traces")))
        .isTrue();
    assertThat(NONE.enabled(Map.of("OTEL_TRACES_EXPORTER", "otlp"))).isTrue();
    assertThat(new TracingOptions("http://c:4318", null, Map.of()).enabled(Map.of())).isTrue();
    assertThat(Tracing.create(NONE, Map.of()).enabled()).isFalse();
  }

  @Test
  void disabledAndNoneWinOverAnEndpoint() {
    TracingOptions flag = new TracingOptions("http://c:4318", null, Map.of());
    assertThat(flag.enabled(Map.of("OTEL_SDK_DISABLED", "true"))).isFalse();
    assertThat(flag.enabled(Map.of("OTEL_TRACES_EXPORTER", "none"))).isFalse();
  }

  @Test
  void badFlagsNameTheField() {
    assertThatThrownBy(() -> new TracingOptions(null, 1.5, Map.of()))
        .hasMessage("tracing options: sampleRatio 1.5 not in 0..1");
    assertThatThrownBy(() -> new TracingOptions(null, Double.NaN, Map.of()))
        .hasMessageContaining("sampleRatio NaN");
    assertThatThrownBy(() -> new TracingOptions("collector:4318", null, Map.of()))
        .hasMessageContaining("endpoint 'collector:4318' is not an http:// or https:// URL");
  }

  @Test
  void theDefaultsAreParentBasedRatioOverHttpWithEveryPropagator() {
    Map<String, String> d = Tracing.defaults();
    assertThat(d)
        .containsEntry("otel.traces.sampler", "parentbased_traceidratio")
        .containsEntry("otel.exporter.otlp.protocol", "http/protobuf")
        .containsEntry("otel.propagators", "tracecontext,baggage,b3,b3multi,jaeger")
        .containsEntry("otel.metrics.exporter", "none");
  }

  @Test
  void grpcExportIsRefusedAtStartInOneLine() {
    TracingOptions grpc =
        new TracingOptions(
            "http://127.0.0.1:1", null, Map.of("otel.exporter.otlp.protocol", "grpc"));
    assertThatThrownBy(() -> Tracing.create(grpc, Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("tracing: ");
  }
}
