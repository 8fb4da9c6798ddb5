package io.nodemesh.proxy.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import io.nodemesh.config.Scheme;
import io.nodemesh.proxy.balance.Target;
import io.nodemesh.proxy.mirror.MirrorGate;
import io.nodemesh.proxy.route.CompiledRule;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The mirror copies of one request (Gateway API RequestMirror, issue 17). The head is copied as
 * forwarded, the body is collected (shared buffers, no byte copy) up to {@link
 * MirrorGate#MAX_BODY_BYTES}; once the request is complete the copy goes to an endpoint of each
 * mirror Service on a connection of its own. Nothing here is waited for by the exchange, and
 * nothing the mirror answers is read beyond its status: the copy never delays or changes the
 * caller's response. A copy whose body is too large, or that finds its gate full, is dropped and
 * counted.
 */
final class MirrorCopy {
  private final HttpProxyContext context;
  private final EventLoop loop;
  private final Scheme scheme;
  private final List<MirrorGate> gates;
  private final HttpRequest head;
  // Whose copy it is and where it came in: a copy to a pod on another node rides the tunnel with
  // the caller's identity, as the request does (issue 14).
  private final InetAddress client;
  private final String listenerKey;
  private CompositeByteBuf body;
  private boolean over;

  private MirrorCopy(
      HttpProxyContext context,
      EventLoop loop,
      Scheme scheme,
      List<MirrorGate> gates,
      HttpRequest request,
      Channel down,
      String listenerKey) {
    this.context = context;
    this.loop = loop;
    this.client = down.remoteAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
    this.listenerKey = listenerKey;
    this.scheme = scheme;
    this.gates = gates;
    this.head =
        new DefaultFullHttpRequest(
            HttpVersion.HTTP_1_1,
            request.method(),
            request.uri(),
            Unpooled.EMPTY_BUFFER,
            request.headers().copy(),
            EmptyHttpHeaders.INSTANCE);
  }

  /**
   * The copies of {@code request} that its rule wants, or null when none is drawn.
   *
   * @param down the client's connection
   * @param listenerKey the listener the request came in on
   */
  static MirrorCopy start(
      CompiledRule rule,
      HttpRequest request,
      HttpProxyContext context,
      Channel down,
      Scheme scheme,
      String listenerKey) {
    List<MirrorGate> wanted = null;
    for (MirrorGate g : rule.mirrors()) {
      if (g.wanted()) {
        if (wanted == null) {
          wanted = new ArrayList<>(1);
        }
        wanted.add(g);
      }
    }
    if (wanted == null) {
      return null;
    }
    MirrorCopy c =
        new MirrorCopy(context, down.eventLoop(), scheme, wanted, request, down, listenerKey);
    if (request instanceof HttpContent content) {
      c.add(content);
    }
    return c;
  }

  /**
   * A part of the request body, before it is forwarded (the copy keeps a reference, the bytes are
   * shared). Sends the copies when it is the last part.
   */
  void add(HttpContent content) {
    if (over) {
      return;
    }
    ByteBuf bytes = content.content();
    if (bytes.isReadable()) {
      if (body == null) {
        body = bytes.alloc().compositeBuffer();
      }
      if (body.readableBytes() + bytes.readableBytes() > MirrorGate.MAX_BODY_BYTES) {
        over = true;
        body.release();
        body = null;
        gates.forEach(MirrorGate::dropped);
        return;
      }
      body.addComponent(true, bytes.retainedDuplicate());
    }
    if (content instanceof LastHttpContent) {
      over = true;
      send();
    }
  }

  /** The exchange ended before the request was complete: nothing is sent. */
  void abandon() {
    if (!over) {
      over = true;
      if (body != null) {
        body.release();
        body = null;
      }
    }
  }

  private void send() {
    ByteBuf content = body == null ? Unpooled.EMPTY_BUFFER : body;
    body = null;
    FullHttpRequest full =
        new DefaultFullHttpRequest(
            HttpVersion.HTTP_1_1,
            head.method(),
            head.uri(),
            content,
            head.headers(),
            EmptyHttpHeaders.INSTANCE);
    full.headers().remove(HttpHeaderNames.TRANSFER_ENCODING);
    full.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
    try {
      for (MirrorGate g : gates) {
        Target target = g.backend().pick();
        if (target == null) {
          // No ready endpoint: the copy cannot be sent.
          g.dropped();
          continue;
        }
        if (!g.tryStart()) {
          continue;
        }
        Sink sink = new Sink(g);
        FullHttpRequest copy = full.retainedDuplicate();
        UpstreamPool pool = context.pool(loop);
        // Through the tunnel when the mirror's pod is on another node; in strict mode a copy
        // without a tunnel fails, never goes in plaintext.
        Future<Channel> acquired = pool.viaTunnel(target, scheme, client, listenerKey);
        if (acquired == null) {
          acquired = pool.acquire(target, scheme, context.settings().connectTimeout().toMillis());
        }
        acquired.addListener(f -> sink.acquired(f, copy));
      }
    } finally {
      full.release();
    }
  }

  /** Reads the mirror's answer up to its end, then closes; counts the result once. */
  private final class Sink extends ChannelInboundHandlerAdapter {
    private final MirrorGate gate;
    private boolean finished;
    private int status;
    private ScheduledFuture<?> timer;
    private Channel channel;

    Sink(MirrorGate gate) {
      this.gate = gate;
    }

    void acquired(Future<? super Channel> f, FullHttpRequest copy) {
      if (!f.isSuccess()) {
        copy.release();
        finish(false);
        return;
      }
      channel = (Channel) f.getNow();
      if (!channel.isActive()) {
        copy.release();
        finish(false);
        return;
      }
      channel.pipeline().replace(UpstreamHandler.class, "mirror", this);
      timer = loop.schedule(this::timedOut, MirrorGate.TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
      channel
          .writeAndFlush(copy)
          .addListener(
              w -> {
                if (!w.isSuccess()) {
                  finish(false);
                }
              });
      channel.read();
    }

    private void timedOut() {
      finish(false);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof HttpResponse r) {
        status = r.status().code();
      }
      // The end of an interim (1xx) response is not the end of the answer (RFC 9110 §15.2).
      boolean last = msg instanceof LastHttpContent && status >= 200;
      ReferenceCountUtil.release(msg);
      if (last) {
        finish(status < 500);
      }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      if (!finished) {
        ctx.read();
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      finish(false);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      finish(false);
    }

    private void finish(boolean ok) {
      if (finished) {
        return;
      }
      finished = true;
      if (timer != null) {
        timer.cancel(false);
      }
      if (channel != null) {
        channel.close();
      }
      gate.finished(ok);
    }
  }
}
