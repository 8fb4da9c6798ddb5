package io.nodemesh.proxy.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Which tunnel streams a GOAWAY says were never processed, so may be sent again (RFC 9113 §6.8).
 */
class GoAwayRuleTest {
  @Test
  void beforeAnyGoAwayNoStreamCountsAsUnprocessed() {
    assertThat(TunnelConnection.unprocessed(5, -1)).isFalse();
    assertThat(TunnelConnection.unprocessed(-1, -1)).isFalse();
  }

  @Test
  void aStreamAboveTheLastStreamIdWasNotProcessed() {
    assertThat(TunnelConnection.unprocessed(9, 7)).isTrue();
    assertThat(TunnelConnection.unprocessed(1, 0)).isTrue();
  }

  @Test
  void aStreamAtOrBelowTheLastStreamIdWasProcessedAndIsNotRetried() {
    assertThat(TunnelConnection.unprocessed(7, 7)).isFalse();
    assertThat(TunnelConnection.unprocessed(3, 7)).isFalse();
  }

  @Test
  void aStreamWhoseHeadersNeverWentOutWasNotProcessed() {
    // Netty gives a stream its id when its HEADERS are written; none yet means nothing was sent.
    assertThat(TunnelConnection.unprocessed(-1, 7)).isTrue();
  }
}
