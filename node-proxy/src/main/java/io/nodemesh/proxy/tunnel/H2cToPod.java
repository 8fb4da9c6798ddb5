package io.nodemesh.proxy.tunnel;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;

/**
 * The destination's way to an h2c pod ({@code nodemesh.io/scheme: h2c}, gRPC): HTTP/2 with prior
 * knowledge (RFC 9113 §3.3), one connection per pod shared by the tunnel streams of an event loop
 * ({@link PodPool}), one HTTP/2 stream each, so a caller's reset reaches the pod as the closing of
 * its stream (RST_STREAM, RFC 9113 §6.4). The stream speaks Netty HTTP/1.x objects, as the tunnel
 * stream does, so requests, bodies and trailers ({@code grpc-status}) pass as they are.
 */
final class H2cToPod {
  private H2cToPod() {}

  /** Adds the HTTP/2 client codec to a pod connection before it connects. */
  static void prepare(Channel connection) {
    connection
        .pipeline()
        .addLast(
            "h2-frames",
            Http2FrameCodecBuilder.forClient()
                .initialSettings(Http2Settings.defaultSettings().pushEnabled(false))
                // Streams beyond the pod's limit wait for a free slot (RFC 9113 §5.1.2), not fail.
                .encoderEnforceMaxConcurrentStreams(true)
                .build())
        .addLast("h2-streams", new Http2MultiplexHandler(new RefuseStreams()));
    // Flow control bounds what the pod sends on the stream; the connection reads freely.
    connection.config().setAutoRead(true);
  }

  /** Opens the one stream on a connected pod connection; {@code back} ends its pipeline. */
  static Future<Channel> open(Channel connection, ChannelHandler back) {
    Promise<Channel> ready = connection.eventLoop().newPromise();
    // The stream reads on demand (the pod side asks once what it read has been written on).
    new Http2StreamChannelBootstrap(connection)
        .option(ChannelOption.AUTO_READ, false)
        .handler(back)
        .open()
        .addListener(
            (Future<Http2StreamChannel> f) -> {
              if (!f.isSuccess()) {
                ready.setFailure(f.cause());
                return;
              }
              // Before anything is written or read on it: HTTP/1.x objects in, frames out.
              f.getNow().pipeline().addFirst("http", new Http2StreamFrameToHttpObjectCodec(false));
              ready.setSuccess(f.getNow());
            });
    return ready;
  }

  /** A pod does not open streams towards the proxy (push is off): refuse any. */
  private static final class RefuseStreams extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRegistered(ChannelHandlerContext ctx) {
      ctx.close();
    }
  }
}
