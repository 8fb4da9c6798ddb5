package io.nodemesh.proxy.fuzz;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DefaultSocketChannelConfig;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.SocketChannelConfig;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The fuzz target's backend, in process: the proxy's upstream "socket" is an embedded channel on
 * the downstream connection's own embedded event loop, so a fuzz input is forwarded and answered
 * without a real socket, a thread or a timeout, and runs to its end in {@code runPendingTasks()}.
 * What the proxy writes goes into a real HTTP/1.1 server codec with an echo handler; its answer
 * comes back as the upstream's inbound bytes, one task later, as from a network.
 *
 * <p>The proxy's upstream pool creates it by reflection (the transport's socket channel class), so
 * the instances of the input being run are tracked here, to be closed and released after it.
 */
public final class EchoUpstream extends EmbeddedChannel implements SocketChannel {
  private static final List<EchoUpstream> OPEN = new ArrayList<>();

  /** The request heads the backends of the input being run received, in order. */
  static final List<io.netty.handler.codec.http.HttpRequest> RECEIVED = new ArrayList<>();

  private static final InetSocketAddress LOCAL = new InetSocketAddress("127.0.0.1", 40000);

  private final SocketChannelConfig socketConfig;
  private final EmbeddedChannel backend =
      new EmbeddedChannel(new HttpServerCodec(), new HttpObjectAggregator(64 * 1024), new Echo());
  private SocketAddress remote;

  public EchoUpstream() {
    super(EmbeddedChannel.builder().register(false));
    // Options the pool sets (TCP_NODELAY) must not touch an operating-system socket.
    socketConfig =
        new DefaultSocketChannelConfig(
            this,
            new Socket() {
              @Override
              public void setTcpNoDelay(boolean on) {}
            });
    OPEN.add(this);
  }

  /** Closes every upstream and backend of the input that just ran, releasing what they hold. */
  static void closeAll() {
    for (EchoUpstream u : OPEN) {
      u.finishAndReleaseAll();
      try {
        u.backend.finishAndReleaseAll();
      } catch (PrematureChannelClosureException e) {
        // The backend's aggregator reporting a request cut short by the close: expected when
        // the input ends in the middle of a forwarded body.
      }
    }
    OPEN.clear();
    RECEIVED.clear();
  }

  @Override
  public ChannelFuture connect(SocketAddress remoteAddress, ChannelPromise promise) {
    remote = remoteAddress;
    return super.connect(remoteAddress, promise);
  }

  @Override
  public ChannelFuture connect(
      SocketAddress remoteAddress, SocketAddress localAddress, ChannelPromise promise) {
    remote = remoteAddress;
    return super.connect(remoteAddress, localAddress, promise);
  }

  @Override
  protected void handleOutboundMessage(Object msg) {
    if (!(msg instanceof ByteBuf bytes) || !backend.isActive()) {
      ReferenceCountUtil.release(msg);
      return;
    }
    try {
      backend.writeInbound(bytes);
    } catch (RuntimeException e) {
      // The backend's codec gave up on what the proxy sent: like a backend closing on garbage.
      backend.close();
    }
    Object out;
    while ((out = backend.readOutbound()) != null) {
      Object answer = out;
      eventLoop().execute(() -> deliver(answer));
    }
    if (!backend.isActive()) {
      eventLoop().execute(this::close);
    }
  }

  private void deliver(Object answer) {
    if (isActive()) {
      pipeline().fireChannelRead(answer);
      pipeline().fireChannelReadComplete();
    } else {
      ReferenceCountUtil.release(answer);
    }
  }

  /** Answers each request with its method, target and body; 400 and close for a bad one. */
  private static final class Echo extends SimpleChannelInboundHandler<FullHttpRequest> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
      if (request.decoderResult().isFailure()) {
        ctx.writeAndFlush(response(ctx, HttpResponseStatus.BAD_REQUEST, "bad request\n"))
            .addListener(ChannelFutureListener.CLOSE);
        return;
      }
      RECEIVED.add(
          new io.netty.handler.codec.http.DefaultHttpRequest(
              request.protocolVersion(),
              request.method(),
              request.uri(),
              request.headers().copy()));
      String echo =
          request.method()
              + " "
              + request.uri()
              + "\n"
              + request.content().toString(StandardCharsets.ISO_8859_1);
      FullHttpResponse r = response(ctx, HttpResponseStatus.OK, echo);
      boolean keepAlive = HttpUtil.isKeepAlive(request);
      HttpUtil.setKeepAlive(r, keepAlive);
      ChannelFuture f = ctx.writeAndFlush(r);
      if (!keepAlive) {
        f.addListener(ChannelFutureListener.CLOSE);
      }
    }

    private static FullHttpResponse response(
        ChannelHandlerContext ctx, HttpResponseStatus status, String body) {
      ByteBuf content = ByteBufUtil.writeUtf8(ctx.alloc(), body);
      FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
      r.headers()
          .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
          .setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
      return r;
    }
  }

  @Override
  public ServerSocketChannel parent() {
    return null;
  }

  @Override
  public SocketChannelConfig config() {
    return socketConfig;
  }

  @Override
  public InetSocketAddress localAddress() {
    return LOCAL;
  }

  @Override
  public InetSocketAddress remoteAddress() {
    return remote instanceof InetSocketAddress a ? a : null;
  }

  @Override
  public boolean isInputShutdown() {
    return !isActive();
  }

  @Override
  public ChannelFuture shutdownInput() {
    return close();
  }

  @Override
  public ChannelFuture shutdownInput(ChannelPromise promise) {
    return close(promise);
  }

  @Override
  public boolean isOutputShutdown() {
    return !isActive();
  }

  @Override
  public ChannelFuture shutdownOutput() {
    return close();
  }

  @Override
  public ChannelFuture shutdownOutput(ChannelPromise promise) {
    return close(promise);
  }

  @Override
  public boolean isShutdown() {
    return !isActive();
  }

  @Override
  public ChannelFuture shutdown() {
    return close();
  }

  @Override
  public ChannelFuture shutdown(ChannelPromise promise) {
    return close(promise);
  }
}
