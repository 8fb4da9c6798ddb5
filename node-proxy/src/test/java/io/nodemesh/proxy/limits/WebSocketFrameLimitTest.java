package io.nodemesh.proxy.limits;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Test;

/** Frame boundaries are followed across reads, for every length encoding of RFC 6455 §5.2. */
class WebSocketFrameLimitTest {
  static final int MAX = 1000;

  final Rejections rejections = new Rejections(new SimpleMeterRegistry());
  final EmbeddedChannel ch = new EmbeddedChannel(new WebSocketFrameLimit(MAX, rejections));

  static byte[] frame(long length, boolean masked, int payloadBytes) {
    ByteArrayOutputStream h = new ByteArrayOutputStream();
    h.write(0x82);
    int mask = masked ? 0x80 : 0;
    if (length >= 0 && length < 126) {
      h.write(mask | (int) length);
    } else if (length >= 0 && length < 65536) {
      h.write(mask | 126);
      h.write((int) (length >>> 8));
      h.write((int) length);
    } else {
      h.write(mask | 127);
      for (int i = 7; i >= 0; i--) {
        h.write((int) (length >>> (8 * i)));
      }
    }
    if (masked) {
      h.writeBytes(new byte[] {9, 8, 7, 6});
    }
    h.writeBytes(new byte[payloadBytes]);
    return h.toByteArray();
  }

  /** Feeds {@code bytes} one byte per read, the worst split there is. */
  boolean feedBytewise(byte[] bytes) {
    for (byte b : bytes) {
      ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
      if (!ch.isActive()) {
        return false;
      }
    }
    return true;
  }

  int relayed() {
    int n = 0;
    ByteBuf b;
    while ((b = ch.readInbound()) != null) {
      n += b.readableBytes();
      b.release();
    }
    return n;
  }

  @Test
  void framesUpToTheLimitPassUntouchedWhateverTheSplit() {
    byte[] small = frame(125, true, 125);
    byte[] medium = frame(MAX, true, MAX);
    byte[] empty = frame(0, false, 0);
    assertThat(feedBytewise(small)).isTrue();
    ch.writeInbound(Unpooled.wrappedBuffer(medium, empty, small));
    assertThat(relayed()).isEqualTo(small.length * 2 + medium.length + empty.length);
    assertThat(ch.isActive()).isTrue();
    assertThat(rejections.total(RejectReason.WEBSOCKET_FRAME_TOO_LARGE)).isZero();
  }

  @Test
  void aSixteenBitLengthOverTheLimitIsRefusedBeforeItsPayload() {
    assertThat(feedBytewise(frame(125, true, 125))).isTrue();
    assertThat(feedBytewise(frame(MAX + 1, true, 0))).isFalse();
    assertThat(rejections.total(RejectReason.WEBSOCKET_FRAME_TOO_LARGE)).isEqualTo(1);
    ByteBuf close = ch.readOutbound();
    assertThat(close.readableBytes()).isEqualTo(4);
    assertThat(close.getUnsignedShort(2)).isEqualTo(1009);
    close.release();
  }

  @Test
  void aSixtyFourBitLengthOverTheLimitIsRefused() {
    ch.writeInbound(Unpooled.wrappedBuffer(frame(1L << 40, true, 16)));
    assertThat(ch.isActive()).isFalse();
    assertThat(relayed()).isZero();
  }

  @Test
  void aLengthWithTheTopBitSetIsRefused() {
    ch.writeInbound(Unpooled.wrappedBuffer(frame(-1L, true, 0)));
    assertThat(ch.isActive()).isFalse();
  }
}
