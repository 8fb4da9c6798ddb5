package io.nodemesh.proxy.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** When a connection counts as idle, on a mock clock. */
class IdleTimeoutTest {
  private final MockTicker ticker = Ticker.newMockTicker();
  private final List<Object> events = new ArrayList<>();

  private EmbeddedChannel channel() {
    return EmbeddedChannel.builder()
        .ticker(ticker)
        .handlers(
            new IdleTimeout(100, TimeUnit.MILLISECONDS),
            new ChannelInboundHandlerAdapter() {
              @Override
              public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                events.add(evt);
              }
            })
        .build();
  }

  private void advance(EmbeddedChannel ch, long millis) {
    ticker.advance(millis, TimeUnit.MILLISECONDS);
    ch.runScheduledPendingTasks();
  }

  @Test
  void aQuietConnectionIsIdleAfterTheTimeoutAndAgainAfterEachFurtherPeriod() {
    EmbeddedChannel ch = channel();
    advance(ch, 99);
    assertThat(events).isEmpty();
    advance(ch, 1);
    assertThat(events).containsExactly(IdleStateEvent.ALL_IDLE_STATE_EVENT);
    advance(ch, 100);
    assertThat(events).hasSize(2);
    ch.finishAndReleaseAll();
  }

  @Test
  void readsAndWritesPostponeIt() {
    EmbeddedChannel ch = channel();
    advance(ch, 60);
    ch.writeInbound("request");
    advance(ch, 60);
    assertThat(events).as("60 ms after the read").isEmpty();
    ch.writeOutbound("response");
    advance(ch, 60);
    assertThat(events).as("60 ms after the write").isEmpty();
    advance(ch, 40);
    assertThat(events).containsExactly(IdleStateEvent.ALL_IDLE_STATE_EVENT);
    ch.finishAndReleaseAll();
  }

  @Test
  void aClosedConnectionHasNoTimerLeft() {
    EmbeddedChannel ch = channel();
    ch.close();
    advance(ch, 1000);
    assertThat(events).isEmpty();
  }
}
