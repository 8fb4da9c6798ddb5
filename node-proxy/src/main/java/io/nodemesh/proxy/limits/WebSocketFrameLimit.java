package io.nodemesh.proxy.limits;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * Watches the client's side of a WebSocket tunnel and refuses a frame whose declared payload is
 * over the limit, before any of it is relayed: close code 1009 (Message Too Big, RFC 6455 §7.4.1)
 * and a closed connection. The bytes themselves pass through untouched; only frame headers are read
 * (RFC 6455 §5.2), so a large frame costs nothing to skip.
 */
final class WebSocketFrameLimit extends ChannelInboundHandlerAdapter {
  /** An unmasked server close frame with status 1009. */
  private static final byte[] CLOSE_TOO_BIG = {(byte) 0x88, 0x02, 0x03, (byte) 0xF1};

  private final long max;
  private final Rejections rejections;
  private final byte[] header = new byte[14];
  private int headerBytes;
  private long payloadLeft;
  private boolean refused;

  WebSocketFrameLimit(long max, Rejections rejections) {
    this.max = max;
    this.rejections = rejections;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (refused) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (msg instanceof ByteBuf buf && !scan(buf)) {
      refused = true;
      buf.release();
      rejections.count(RejectReason.WEBSOCKET_FRAME_TOO_LARGE);
      ctx.writeAndFlush(Unpooled.wrappedBuffer(CLOSE_TOO_BIG))
          .addListener(ChannelFutureListener.CLOSE);
      return;
    }
    ctx.fireChannelRead(msg);
  }

  /** Follows frame boundaries through {@code buf}; false when a frame is over the limit. */
  private boolean scan(ByteBuf buf) {
    int i = buf.readerIndex();
    int end = buf.writerIndex();
    while (i < end) {
      if (payloadLeft > 0) {
        long skip = Math.min(payloadLeft, end - i);
        payloadLeft -= skip;
        i += (int) skip;
        continue;
      }
      header[headerBytes++] = buf.getByte(i++);
      int need = headerLength();
      if (headerBytes < need) {
        continue;
      }
      long length = payloadLength();
      headerBytes = 0;
      if (length > max || length < 0) {
        return false;
      }
      payloadLeft = length;
    }
    return true;
  }

  /** Bytes of the current frame header, as far as the bytes seen so far tell. */
  private int headerLength() {
    if (headerBytes < 2) {
      return 2;
    }
    int len7 = header[1] & 0x7f;
    int ext = len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
    int mask = (header[1] & 0x80) != 0 ? 4 : 0;
    return 2 + ext + mask;
  }

  private long payloadLength() {
    int len7 = header[1] & 0x7f;
    if (len7 < 126) {
      return len7;
    }
    int n = len7 == 126 ? 2 : 8;
    long v = 0;
    for (int k = 0; k < n; k++) {
      v = (v << 8) | (header[2 + k] & 0xff);
    }
    return v;
  }
}
