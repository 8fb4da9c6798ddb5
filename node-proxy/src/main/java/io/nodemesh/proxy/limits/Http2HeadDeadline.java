package io.nodemesh.proxy.limits;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Error;

/**
 * The request-head deadline of one HTTP/2 connection, in front of its frame codec: from the first
 * frame of a header block (HEADERS) to the frame that ends it (END_HEADERS), at most the header
 * read timeout, else GOAWAY {@code ENHANCE_YOUR_CALM} and close, counted as {@code header_timeout}.
 * This is slowloris on HTTP/2: a header block that is trickled, or whose CONTINUATION never comes,
 * holds the whole connection, because no other frame may come between (RFC 9113 §6.10). The codec
 * keeps partial blocks to itself, so this handler follows the frame boundaries on the raw bytes
 * (9-byte frame headers, RFC 9113 §4.1) without copying or consuming anything.
 */
final class Http2HeadDeadline extends ChannelInboundHandlerAdapter {
  private static final int PREFACE_LENGTH = 24;
  private static final int FRAME_HEADER_LENGTH = 9;
  private static final int HEADERS = 0x1;
  private static final int PUSH_PROMISE = 0x5;
  private static final int CONTINUATION = 0x9;
  private static final int END_HEADERS = 0x4;

  private final LimitSettings settings;
  private final Rejections rejections;
  private final byte[] header = new byte[FRAME_HEADER_LENGTH];
  private int prefaceLeft = PREFACE_LENGTH;
  private int headerFill;
  private long payloadLeft;
  private final StallTimer timer = new StallTimer();
  private boolean timedOut;

  Http2HeadDeadline(LimitSettings settings, Rejections rejections) {
    this.settings = settings;
    this.rejections = rejections;
  }

  /** Whether this connection was closed for a late request head (its GOAWAY is counted already). */
  boolean timedOut() {
    return timedOut;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof ByteBuf b && !timedOut) {
      scan(ctx, b);
    }
    ctx.fireChannelRead(msg);
  }

  private void scan(ChannelHandlerContext ctx, ByteBuf b) {
    int i = b.readerIndex();
    int end = b.writerIndex();
    while (i < end) {
      if (prefaceLeft > 0) {
        int n = Math.min(prefaceLeft, end - i);
        prefaceLeft -= n;
        i += n;
      } else if (headerFill < FRAME_HEADER_LENGTH) {
        header[headerFill++] = b.getByte(i++);
        if (headerFill == FRAME_HEADER_LENGTH) {
          payloadLeft = (header[0] & 0xffL) << 16 | (header[1] & 0xffL) << 8 | (header[2] & 0xffL);
          if (opensOrContinuesBlock()) {
            startTimer(ctx);
          }
          if (payloadLeft == 0) {
            frameEnded();
          }
        }
      } else {
        int n = (int) Math.min(payloadLeft, end - i);
        payloadLeft -= n;
        i += n;
        if (payloadLeft == 0) {
          frameEnded();
        }
      }
    }
  }

  private boolean opensOrContinuesBlock() {
    int type = header[3] & 0xff;
    return type == HEADERS || type == CONTINUATION || type == PUSH_PROMISE;
  }

  private void frameEnded() {
    headerFill = 0;
    if (opensOrContinuesBlock() && (header[4] & END_HEADERS) != 0) {
      timer.cancel();
    }
  }

  private void startTimer(ChannelHandlerContext ctx) {
    if (!timer.running()) {
      timer.start(ctx.executor(), () -> onTimeout(ctx), settings.headerReadTimeout());
    }
  }

  private void onTimeout(ChannelHandlerContext ctx) {
    if (!ctx.channel().isActive()) {
      return;
    }
    timedOut = true;
    rejections.count(RejectReason.HEADER_TIMEOUT);
    String why =
        "request head not received within " + settings.headerReadTimeout().toMillis() + " ms";
    // From the tail, so the frame codec writes it with the last stream it processed.
    ctx.channel()
        .writeAndFlush(
            new DefaultHttp2GoAwayFrame(
                Http2Error.ENHANCE_YOUR_CALM, ByteBufUtil.writeAscii(ctx.alloc(), why)))
        .addListener(ChannelFutureListener.CLOSE);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    timer.cancel();
    ctx.fireChannelInactive();
  }
}
