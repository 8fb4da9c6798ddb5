package io.nodemesh.proxy.tunnel;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Promise;
import java.io.IOException;

/**
 * The caller's end of a CONNECT stream (RFC 9113 §8.5) carrying one TCP connection to a pod on
 * another node. It sends the CONNECT head ({@code :method} and {@code :authority} only, no {@code
 * :scheme} nor {@code :path}), and the connection counts as made only when the destination answers
 * 2xx, that is after the destination's own checks and its connect to the pod: any other answer or a
 * reset fails it, so a refusal is a failed connect, never a byte to the pod.
 *
 * <p>Then bytes both ways: DATA frames read become {@link ByteBuf}s, END_STREAM becomes {@link
 * ChannelInputShutdownEvent} (the pod ended its output: half-close, as a socket's FIN); a {@link
 * ByteBuf} written becomes a DATA frame, a {@link LastHttpContent} written ends the stream.
 */
final class ConnectStream extends ChannelDuplexHandler {
  static final String NAME = "tunnel-connect";

  private final Promise<Channel> established;

  ConnectStream(Promise<Channel> established) {
    this.established = established;
  }

  /**
   * Sends the CONNECT head on a stream whose pipeline holds a {@link ConnectStream}.
   *
   * @param client the TCP client's {@code ip:port} for the pod's PROXY protocol v2 header, or null
   */
  static void start(Channel stream, String authority, String client) {
    ConnectStream self = stream.pipeline().get(ConnectStream.class);
    DefaultHttp2Headers head = new DefaultHttp2Headers();
    head.method(HttpMethod.CONNECT.asciiName()).authority(authority);
    if (client != null) {
      head.set(TunnelHeaders.CLIENT, client);
    }
    stream
        .writeAndFlush(new DefaultHttp2HeadersFrame(head, false))
        .addListener(
            (ChannelFuture f) -> {
              if (!f.isSuccess()) {
                self.established.tryFailure(f.cause());
                stream.close();
              }
            });
    stream.closeFuture().addListener(f -> self.established.tryFailure(closed()));
    stream.read();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    switch (msg) {
      case Http2HeadersFrame h when !established.isDone() -> {
        CharSequence status = h.headers().status();
        if (status != null && status.length() == 3 && status.charAt(0) == '2') {
          established.trySuccess(ctx.channel());
          if (h.isEndStream()) {
            ctx.fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
          }
        } else {
          established.tryFailure(
              new IOException("tunnel: the destination proxy answered " + status));
          ctx.close();
        }
      }
      case Http2DataFrame d when established.isSuccess() -> {
        boolean end = d.isEndStream();
        ByteBuf content = d.content();
        if (content.isReadable()) {
          ctx.fireChannelRead(content);
        } else {
          content.release();
        }
        if (end) {
          ctx.fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        }
      }
      case Http2HeadersFrame h when h.isEndStream() && established.isSuccess() -> {
        // Trailers end the stream like an empty last DATA frame.
        ctx.fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
      }
      case Http2ResetFrame r -> {
        established.tryFailure(new IOException("tunnel: stream reset " + r.errorCode()));
        ctx.close();
      }
      default -> {
        // A refusal's body, and anything else: nothing of it reaches the client.
        ReferenceCountUtil.release(msg);
        if (!established.isDone()) {
          ctx.read();
        }
      }
    }
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (msg instanceof LastHttpContent last) {
      ctx.write(new DefaultHttp2DataFrame(last.content(), true), promise);
    } else if (msg instanceof ByteBuf b) {
      ctx.write(new DefaultHttp2DataFrame(b, false), promise);
    } else {
      ctx.write(msg, promise);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    established.tryFailure(closed());
    ctx.fireChannelInactive();
  }

  private static IOException closed() {
    return new IOException("tunnel: the CONNECT stream closed before the destination answered");
  }
}
