package io.nodemesh.proxy.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IdempotentTest {
  @ParameterizedTest
  @ValueSource(strings = {"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"})
  void theIdempotentMethodsOfRfc9110MayBeRepeated(String method) {
    assertThat(Idempotent.method(method)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"POST", "PATCH", "CONNECT", "get", "Put", "PROPFIND", ""})
  void anyOtherMethodOrSpellingIsNeverRepeated(String method) {
    assertThat(Idempotent.method(method)).isFalse();
  }
}
