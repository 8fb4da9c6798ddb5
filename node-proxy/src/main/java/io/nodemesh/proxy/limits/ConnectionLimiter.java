package io.nodemesh.proxy.limits;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Caps the open downstream connections of each HTTP listener (keyed by its local port). One over
 * the cap gets a complete 503 with {@code Connection: close}, written as raw bytes before any
 * decoder runs, and is closed: the client learns why instead of seeing a reset. Sharable: one
 * instance serves every listener; the per-port counts are the only state.
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

  /** Set on a refused connection, which was never counted as open. */
  private static final AttributeKey<Boolean> REFUSED = AttributeKey.valueOf("nodemesh.refused");

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
      ctx.writeAndFlush(Unpooled.wrappedBuffer(BUSY)).addListener(ChannelFutureListener.CLOSE);
      return;
    }
    ctx.fireChannelActive();
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
