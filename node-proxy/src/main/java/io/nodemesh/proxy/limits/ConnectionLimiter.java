package io.nodemesh.proxy.limits;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Caps the open downstream connections of each HTTP listener (keyed by its local port). One over
 * the cap is answered in the protocol it speaks, as raw bytes before any decoder runs, and closed:
 * the client learns why instead of seeing a reset. A connection that opens with the HTTP/2 preface
 * gets an empty SETTINGS (the server preface) and GOAWAY {@code REFUSED_STREAM} with last stream 0,
 * which tells it that nothing was processed and a retry elsewhere is safe (RFC 9113 §6.8); anything
 * else, or nothing within {@link #FIRST_BYTES_MILLIS}, gets a complete 503 with {@code Connection:
 * close}. Sharable: one instance serves every listener; the per-port counts are the only state.
 */
@ChannelHandler.Sharable
final class ConnectionLimiter extends ChannelInboundHandlerAdapter {
  private static final String BUSY_TEXT = "too many connections on this listener\n";
  private static final byte[] BUSY =
      ("HTTP/1.1 503 Service Unavailable\r\n"
              + "Content-Type: text/plain; charset=utf-8\r\n"
              + "Content-Length: "
              + BUSY_TEXT.length()
              + "\r\n"
              + "Connection: close\r\n"
              + "\r\n"
              + BUSY_TEXT)
          .getBytes(StandardCharsets.US_ASCII);

  private static final byte[] HTTP2_BUSY = http2Busy(BUSY_TEXT);

  /**
   * How long a refused connection may take to show its protocol (clients speak first; HTTP/2
   * clients send their preface at once). A silent one then gets the 503.
   */
  static final long FIRST_BYTES_MILLIS = 250;

  /** Set on a refused connection, which was never counted as open. */
  private static final AttributeKey<Boolean> REFUSED = AttributeKey.valueOf("nodemesh.refused");

  /** Set once a refused connection has had its answer. */
  private static final AttributeKey<Boolean> ANSWERED =
      AttributeKey.valueOf("nodemesh.refused.answered");

  private static final byte[] PREFACE =
      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  private final int max;
  private final Rejections rejections;
  private final Map<Integer, AtomicInteger> open = new ConcurrentHashMap<>();

  ConnectionLimiter(int max, Rejections rejections) {
    this.max = max;
    this.rejections = rejections;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    AtomicInteger n = open.computeIfAbsent(port(ctx), p -> new AtomicInteger());
    if (n.incrementAndGet() > max) {
      n.decrementAndGet();
      rejections.count(RejectReason.CONNECTION_LIMIT);
      ctx.channel().attr(REFUSED).set(Boolean.TRUE);
      ctx.executor().schedule(() -> refuse(ctx, BUSY), FIRST_BYTES_MILLIS, TimeUnit.MILLISECONDS);
      ctx.read();
      return;
    }
    ctx.fireChannelActive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (ctx.channel().attr(REFUSED).get() == null) {
      ctx.fireChannelRead(msg);
      return;
    }
    boolean http2 = msg instanceof ByteBuf b && startsWithPreface(b);
    ReferenceCountUtil.release(msg);
    refuse(ctx, http2 ? HTTP2_BUSY : BUSY);
  }

  private static void refuse(ChannelHandlerContext ctx, byte[] answer) {
    if (ctx.channel().isActive()
        && ctx.channel().attr(ANSWERED).setIfAbsent(Boolean.TRUE) == null) {
      ctx.writeAndFlush(Unpooled.wrappedBuffer(answer)).addListener(ChannelFutureListener.CLOSE);
    }
  }

  /** Whether the bytes so far are the start of the HTTP/2 client preface (RFC 9113 §3.4). */
  private static boolean startsWithPreface(ByteBuf b) {
    int n = Math.min(b.readableBytes(), PREFACE.length);
    if (n == 0) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      if (b.getByte(b.readerIndex() + i) != PREFACE[i]) {
        return false;
      }
    }
    return true;
  }

  /** An empty SETTINGS frame, then GOAWAY(last stream 0, REFUSED_STREAM, the reason). */
  private static byte[] http2Busy(String reason) {
    byte[] debug = reason.trim().getBytes(StandardCharsets.US_ASCII);
    int goAwayLength = 8 + debug.length;
    ByteBuf b = Unpooled.buffer(9 + 9 + goAwayLength);
    b.writeMedium(0).writeByte(0x4).writeByte(0).writeInt(0);
    b.writeMedium(goAwayLength).writeByte(0x7).writeByte(0).writeInt(0);
    b.writeInt(0).writeInt((int) Http2Error.REFUSED_STREAM.code()).writeBytes(debug);
    return ByteBufUtil.getBytes(b);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    AtomicInteger n = open.get(port(ctx));
    if (n != null && ctx.channel().attr(REFUSED).get() == null) {
      n.decrementAndGet();
    }
    ctx.fireChannelInactive();
  }

  /** Open connections on the listener of a proxy port (tests and diagnostics). */
  int open(int port) {
    AtomicInteger n = open.get(port);
    return n == null ? 0 : n.get();
  }

  private static int port(ChannelHandlerContext ctx) {
    return ctx.channel().localAddress() instanceof InetSocketAddress a ? a.getPort() : -1;
  }
}
