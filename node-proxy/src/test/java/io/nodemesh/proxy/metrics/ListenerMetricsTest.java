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
  void statusesOutsideTheRangeAre5xx() {
    assertThat(ListenerMetrics.CLASSES[ListenerMetrics.classIndex(204)]).isEqualTo("2xx");
    assertThat(ListenerMetrics.CLASSES[ListenerMetrics.classIndex(499)]).isEqualTo("4xx");
    assertThat(ListenerMetrics.CLASSES[ListenerMetrics.classIndex(999)]).isEqualTo("5xx");
    assertThat(ListenerMetrics.CLASSES[ListenerMetrics.classIndex(42)]).isEqualTo("5xx");
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
