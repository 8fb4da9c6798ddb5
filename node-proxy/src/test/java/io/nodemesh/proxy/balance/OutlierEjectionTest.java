package io.nodemesh.proxy.balance;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.ServicePolicy;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class OutlierEjectionTest {
  static final long MS = 1_000_000L;

  final EndpointRegistry registry = new EndpointRegistry();

  CompiledBackend backend(ServicePolicy.Outlier outlier, int n) {
    List<EndpointConfig> eps =
        java.util.stream.IntStream.rangeClosed(1, n)
            .mapToObj(i -> EndpointConfig.ready("10.0.0." + i, 80))
            .toList();
    return new CompiledBackend(
        new BackendConfig("web", 1, eps),
        new ServicePolicy(null, null, null, null, null, outlier, null),
        registry,
        null);
  }

  EndpointState state(int i) {
    return registry.state(EndpointConfig.ready("10.0.0." + i, 80));
  }

  @Test
  void consecutiveFailuresEjectForTheEjectionTimeThenTheEndpointComesBack() {
    CompiledBackend b = backend(new ServicePolicy.Outlier(3, 1000, 50), 2);
    long t = 0;
    assertThat(b.onFailure(state(1), t)).isFalse();
    b.onSuccess(state(1), t);
    assertThat(b.onFailure(state(1), t)).isFalse();
    assertThat(b.onFailure(state(1), t)).isFalse();
    assertThat(b.onFailure(state(1), t)).isTrue();
    assertThat(state(1).isEjected(t + 999 * MS)).isTrue();
    assertThat(b.choose(OptionalLong.empty(), null, t + 500 * MS).target().authority())
        .isEqualTo("10.0.0.2:80");
    assertThat(state(1).isEjected(t + 1000 * MS)).isFalse();

    // Ejected again soon after: twice as long.
    long back = t + 1000 * MS;
    for (int i = 0; i < 3; i++) {
      b.onFailure(state(1), back);
    }
    assertThat(state(1).isEjected(back + 1999 * MS)).isTrue();
    assertThat(state(1).isEjected(back + 2000 * MS)).isFalse();
  }

  @Test
  void maxEjectionPercentBoundsHowManyAreOut() {
    CompiledBackend b = backend(new ServicePolicy.Outlier(1, 10_000, 50), 4);
    long t = 0;
    assertThat(b.onFailure(state(1), t)).isTrue();
    assertThat(b.onFailure(state(2), t)).isTrue();
    assertThat(b.onFailure(state(3), t)).isFalse();
    assertThat(b.onFailure(state(4), t)).isFalse();
    // A single endpoint is never ejected at 50%.
    EndpointRegistry other = new EndpointRegistry();
    CompiledBackend one =
        new CompiledBackend(
            new BackendConfig("db", 1, List.of(EndpointConfig.ready("10.9.9.9", 80))),
            new ServicePolicy(
                null, null, null, null, null, new ServicePolicy.Outlier(1, 1000, 50), null),
            other,
            null);
    EndpointState only = other.state(EndpointConfig.ready("10.9.9.9", 80));
    assertThat(one.onFailure(only, t)).isFalse();
  }

  @Test
  void whenEveryEndpointIsEjectedAllAreUsedRatherThanNone() {
    CompiledBackend b = backend(new ServicePolicy.Outlier(1, 10_000, 100), 2);
    b.onFailure(state(1), 0);
    b.onFailure(state(2), 0);
    assertThat(b.choose(OptionalLong.empty(), null, MS)).isNotNull();
  }

  @Test
  void zeroFailuresTurnsEjectionOff() {
    CompiledBackend b = backend(new ServicePolicy.Outlier(0, 1000, 100), 2);
    for (int i = 0; i < 100; i++) {
      assertThat(b.onFailure(state(1), 0)).isFalse();
    }
  }
}
