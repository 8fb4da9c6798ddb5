package io.nodemesh.proxy.listener;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The first handler of a connection on an {@code auto} listener: it reads the first bytes and hands
 * the connection, with those bytes, to the listener's HTTP pipeline or to its TCP relay, then
 * removes itself.
 *
 * <ul>
 *   <li>HTTP: one to {@value #MAX_METHOD} upper-case letters followed by a space, which is an
 *       HTTP/1.x request line (RFC 9112 §3) and also the start of the HTTP/2 client preface {@code
 *       PRI * HTTP/2.0} (RFC 9113 §3.4); the HTTP pipeline tells the two apart.
 *   <li>TCP: any other first bytes (a TLS ClientHello starts with {@code 0x16 0x03}, RFC 8446
 *       §5.1), or no byte within {@link #TIMEOUT_MILLIS} ms: server-first protocols (MySQL, SMTP,
 *       FTP) wait for the server to speak. A connection that is still undecided at the deadline is
 *       relayed too.
 * </ul>
 *
 * <p>At most {@value #MAX_METHOD} + 1 bytes are looked at, in the buffer read; nothing is copied.
 */
final class ProtocolSniffer extends ByteToMessageDecoder {
  /** How long a silent client is waited for before the connection is relayed as TCP. */
  static final long TIMEOUT_MILLIS = 200;

  /** The longest method token taken as HTTP ({@code PROPPATCH}, {@code UNSUBSCRIBE}: 11). */
  static final int MAX_METHOD = 20;

  private final ChannelHandler http;
  private final ChannelHandler tcp;
  private ScheduledFuture<?> deadline;
  private boolean decided;

  private ProtocolSniffer(ChannelHandler http, ChannelHandler tcp) {
    this.http = http;
    this.tcp = tcp;
  }

  /**
   * The per-connection initializer of an {@code auto} listener.
   *
   * @param http the HTTP pipeline's initializer (sharable)
   * @param tcp the TCP relay's initializer (sharable)
   */
  static ChannelHandler initializer(ChannelHandler http, ChannelHandler tcp) {
    Objects.requireNonNull(http, "http");
    Objects.requireNonNull(tcp, "tcp");
    return new ChannelInitializer<Channel>() {
      @Override
      protected void initChannel(Channel ch) {
        ch.pipeline().addLast(new ProtocolSniffer(http, tcp));
      }
    };
  }

  static final int MORE = -1;
  static final int TCP = 0;
  static final int HTTP = 1;

  /** What the first bytes say: {@link #HTTP}, {@link #TCP}, or {@link #MORE} bytes are needed. */
  static int classify(ByteBuf in) {
    int start = in.readerIndex();
    int n = Math.min(in.readableBytes(), MAX_METHOD + 1);
    for (int i = 0; i < n; i++) {
      byte b = in.getByte(start + i);
      if (b == ' ') {
        return i > 0 ? HTTP : TCP;
      }
      if (b < 'A' || b > 'Z') {
        return TCP;
      }
    }
    return n > MAX_METHOD ? TCP : MORE;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    // Held back until the pipeline is chosen; its handlers start on channelActive.
    deadline =
        ctx.executor().schedule(() -> choose(ctx, false), TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
    ctx.read();
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (decided) {
      return;
    }
    int kind = classify(in);
    if (kind != MORE) {
      choose(ctx, kind == HTTP);
    }
  }

  private void choose(ChannelHandlerContext ctx, boolean asHttp) {
    if (decided || ctx.isRemoved() || !ctx.channel().isActive()) {
      return;
    }
    decided = true;
    if (deadline != null) {
      deadline.cancel(false);
    }
    ctx.pipeline().addAfter(ctx.name(), null, asHttp ? http : tcp);
    ctx.fireChannelActive();
    // Removing a ByteToMessageDecoder passes the bytes read so far to the next handler.
    ctx.pipeline().remove(this);
  }

  @Override
  protected void handlerRemoved0(ChannelHandlerContext ctx) {
    if (deadline != null) {
      deadline.cancel(false);
    }
  }
}
