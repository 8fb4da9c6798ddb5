package io.nodemesh.proxy.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The request timer that the exchanges of one connection share, on a mock clock. */
class DeadlineTimerTest {
  private final MockTicker ticker = Ticker.newMockTicker();
  private final EmbeddedChannel ch = EmbeddedChannel.builder().ticker(ticker).build();
  private final DeadlineTimer timer = new DeadlineTimer(ch.eventLoop());
  private final List<String> fired = new ArrayList<>();
  private final Object first = new Object();
  private final Object second = new Object();

  private void advance(long millis) {
    ticker.advance(millis, TimeUnit.MILLISECONDS);
    ch.runScheduledPendingTasks();
  }

  private static long ms(long millis) {
    return TimeUnit.MILLISECONDS.toNanos(millis);
  }

  @Test
  void firesAtTheDeadline() {
    timer.arm(first, () -> fired.add("first"), ms(100));
    advance(99);
    assertThat(fired).isEmpty();
    advance(1);
    assertThat(fired).containsExactly("first");
    advance(500);
    assertThat(fired).as("once").containsExactly("first");
  }

  @Test
  void aDisarmedDeadlineNeverFires() {
    timer.arm(first, () -> fired.add("first"), ms(100));
    timer.disarm(first);
    advance(1000);
    assertThat(fired).isEmpty();
  }

  @Test
  void aLaterExchangeGetsItsOwnFullTimeout() {
    timer.arm(first, () -> fired.add("first"), ms(100));
    advance(60);
    timer.disarm(first);
    timer.arm(second, () -> fired.add("second"), ms(100));
    advance(40);
    assertThat(fired).as("at the first exchange's deadline").isEmpty();
    advance(59);
    assertThat(fired).isEmpty();
    advance(1);
    assertThat(fired).containsExactly("second");
  }

  @Test
  void anEarlierDeadlineThanTheScheduledOneStillFiresOnTime() {
    timer.arm(first, () -> fired.add("first"), ms(1000));
    timer.disarm(first);
    timer.arm(second, () -> fired.add("second"), ms(50));
    advance(50);
    assertThat(fired).containsExactly("second");
  }

  @Test
  void aStaleHolderCannotDisarmTheCurrentOne() {
    timer.arm(first, () -> fired.add("first"), ms(100));
    timer.arm(second, () -> fired.add("second"), ms(100));
    timer.disarm(first);
    advance(100);
    assertThat(fired).containsExactly("second");
  }

  @Test
  void closeDropsTheTimer() {
    timer.arm(first, () -> fired.add("first"), ms(100));
    timer.close();
    advance(1000);
    assertThat(fired).isEmpty();
  }
}
