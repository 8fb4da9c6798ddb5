package io.nodemesh.proxy.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ListenerMetricsTest {
  @Test
  void methodsOutsideTheStandardSetAreOther() {
    assertThat(ListenerMetrics.METHODS[ListenerMetrics.methodIndex("GET")]).isEqualTo("GET");
    assertThat(ListenerMetrics.METHODS[ListenerMetrics.methodIndex("PATCH")]).isEqualTo("PATCH");
    assertThat(ListenerMetrics.METHODS[ListenerMetrics.methodIndex("get")]).isEqualTo("other");
    assertThat(ListenerMetrics.METHODS[ListenerMetrics.methodIndex("PROPFIND")]).isEqualTo("other");
  }

  @Test
  void statusesAreExactWithTheirClassAndOutsideTheRangeOther() {
    assertThat(code(100)).isEqualTo("100 1xx");
    assertThat(code(204)).isEqualTo("204 2xx");
    assertThat(code(404)).isEqualTo("404 4xx");
    assertThat(code(499)).isEqualTo("499 4xx");
    assertThat(code(503)).isEqualTo("503 5xx");
    assertThat(code(599)).isEqualTo("599 5xx");
    assertThat(code(600)).isEqualTo("other 5xx");
    assertThat(code(999)).isEqualTo("other 5xx");
    assertThat(code(99)).isEqualTo("other 5xx");
    assertThat(code(42)).isEqualTo("other 5xx");
    assertThat(code(-1)).isEqualTo("other 5xx");
    assertThat(code(Integer.MAX_VALUE)).isEqualTo("other 5xx");
    assertThat(code(Integer.MIN_VALUE)).isEqualTo("other 5xx");
  }

  private static String code(int status) {
    int i = ListenerMetrics.codeIndex(status);
    return ListenerMetrics.CODES[i] + " " + ListenerMetrics.CLASSES[ListenerMetrics.classOf(i)];
  }

  @Test
  void grpcStatusesAreTheSeventeenNamesOrUnknown() {
    assertThat(ListenerMetrics.GRPC_CODES[ListenerMetrics.grpcCode("0")]).isEqualTo("OK");
    assertThat(ListenerMetrics.GRPC_CODES[ListenerMetrics.grpcCode("16")])
        .isEqualTo("UNAUTHENTICATED");
    assertThat(ListenerMetrics.GRPC_CODES[ListenerMetrics.grpcCode(" 5 ")]).isEqualTo("NOT_FOUND");
    for (String bogus : new String[] {"17", "99", "-1", "OK", "", "123", "1e1"}) {
      assertThat(ListenerMetrics.GRPC_CODES[ListenerMetrics.grpcCode(bogus)])
          .as(bogus)
          .isEqualTo("UNKNOWN");
    }
  }
}
