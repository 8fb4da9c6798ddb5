package io.nodemesh.proxy.limits;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The HTTP/2 request-head deadline follows frame boundaries on raw bytes however they are split,
 * runs only while a header block is open, and passes every byte on untouched.
 */
class Http2HeadDeadlineTest {
  private static final byte[] PREFACE =
      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final int DATA = 0x0;
  private static final int HEADERS = 0x1;
  private static final int SETTINGS = 0x4;
  private static final int CONTINUATION = 0x9;
  private static final int END_HEADERS = 0x4;

  private final MockTicker ticker = Ticker.newMockTicker();
  private final Rejections rejections = new Rejections(new SimpleMeterRegistry());
  private final Http2HeadDeadline deadline =
      new Http2HeadDeadline(
          LimitSettings.defaults().withReadTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(1)),
          rejections);
  private final EmbeddedChannel ch =
      EmbeddedChannel.builder().ticker(ticker).handlers(deadline).build();

  private static byte[] frame(int type, int flags, int stream, int length) {
    byte[] f = new byte[9 + length];
    f[0] = (byte) (length >>> 16);
    f[1] = (byte) (length >>> 8);
    f[2] = (byte) length;
    f[3] = (byte) type;
    f[4] = (byte) flags;
    f[8] = (byte) stream;
    return f;
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  /** Feeds the bytes in pieces of {@code piece} and checks they come out unchanged. */
  private void feed(byte[] bytes, int piece) {
    for (int at = 0; at < bytes.length; at += piece) {
      int n = Math.min(piece, bytes.length - at);
      ch.writeInbound(Unpooled.wrappedBuffer(bytes, at, n));
      ByteBuf passed = ch.readInbound();
      byte[] got = new byte[passed.readableBytes()];
      passed.readBytes(got);
      passed.release();
      assertThat(got).isEqualTo(java.util.Arrays.copyOfRange(bytes, at, at + n));
    }
  }

  private void advance(long millis) {
    ticker.advance(millis, java.util.concurrent.TimeUnit.MILLISECONDS);
    ch.runScheduledPendingTasks();
  }

  @Test
  void completeHeaderBlocksSplitAnywhereNeverTimeOut() {
    byte[] bytes =
        concat(
            PREFACE,
            frame(SETTINGS, 0, 0, 6),
            frame(HEADERS, END_HEADERS, 1, 40),
            frame(DATA, 0, 1, 20_000),
            frame(HEADERS, 0, 3, 10),
            frame(CONTINUATION, 0, 3, 0),
            frame(CONTINUATION, END_HEADERS, 3, 7));
    for (int piece : new int[] {1, 7, 9, 1000, bytes.length}) {
      feed(bytes, piece);
      advance(5000);
      assertThat((Object) ch.readOutbound()).as("piece %d", piece).isNull();
    }
    assertThat(deadline.timedOut()).isFalse();
    assertThat(rejections.total(RejectReason.HEADER_TIMEOUT)).isZero();
    assertThat(ch.isActive()).isTrue();
  }

  @Test
  void aHeaderBlockLeftOpenGetsGoAwayEnhanceYourCalmAtTheDeadline() {
    feed(concat(PREFACE, frame(HEADERS, 0, 1, 10), frame(CONTINUATION, 0, 1, 10)), 5);
    advance(999);
    assertThat((Object) ch.readOutbound()).isNull();
    advance(1);
    Http2GoAwayFrame goAway = ch.readOutbound();
    assertThat(goAway.errorCode()).isEqualTo(Http2Error.ENHANCE_YOUR_CALM.code());
    assertThat(goAway.content().toString(StandardCharsets.US_ASCII))
        .isEqualTo("request head not received within 1000 ms");
    goAway.release();
    assertThat(deadline.timedOut()).isTrue();
    assertThat(rejections.total(RejectReason.HEADER_TIMEOUT)).isEqualTo(1);
    assertThat(ch.isActive()).isFalse();
  }

  @Test
  void aHeadersFrameTrickledInRunsOneDeadlineFromItsStart() {
    byte[] headers = frame(HEADERS, END_HEADERS, 1, 20);
    feed(concat(PREFACE, java.util.Arrays.copyOf(headers, 15)), 100);
    advance(600);
    feed(java.util.Arrays.copyOfRange(headers, 15, 20), 1);
    advance(600);
    assertThat(deadline.timedOut()).isTrue();
    ((Http2GoAwayFrame) ch.readOutbound()).release();
  }
}
