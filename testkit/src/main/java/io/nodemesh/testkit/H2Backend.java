package io.nodemesh.testkit;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** An HTTP/2-only backend (h2c with prior knowledge) that answers {@code h2 <path>}. */
public final class H2Backend extends NettyServer {
  public final AtomicInteger requests = new AtomicInteger();

  /** How many of the next requests get a 503 instead of the answer. */
  public final AtomicInteger failNext = new AtomicInteger();

  private final long delayMillis;

  public H2Backend() throws InterruptedException {
    this(Integer.MAX_VALUE, 0);
  }

  /**
   * @param maxStreams the SETTINGS_MAX_CONCURRENT_STREAMS it announces
   * @param delayMillis how long each answer takes, so that streams overlap
   */
  public H2Backend(long maxStreams, long delayMillis) throws InterruptedException {
    this.delayMillis = delayMillis;
    bind(
        pipeline ->
            pipeline
                .addLast(
                    Http2FrameCodecBuilder.forServer()
                        .initialSettings(
                            Http2Settings.defaultSettings().maxConcurrentStreams(maxStreams))
                        .build())
                .addLast(new Http2MultiplexHandler(new StreamInit())));
  }

  private final class StreamInit extends ChannelInitializer<Channel> {
    @Override
    protected void initChannel(Channel ch) {
      ch.pipeline()
          .addLast(new Http2StreamFrameToHttpObjectCodec(true))
          .addLast(new HttpObjectAggregator(1 << 20))
          .addLast(
              new SimpleChannelInboundHandler<FullHttpRequest>() {
                @Override
                protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
                  requests.incrementAndGet();
                  byte[] b = ("h2 " + req.uri()).getBytes(StandardCharsets.UTF_8);
                  HttpResponseStatus status =
                      failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0
                          ? HttpResponseStatus.SERVICE_UNAVAILABLE
                          : HttpResponseStatus.OK;
                  FullHttpResponse r =
                      new DefaultFullHttpResponse(
                          HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(b));
                  r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, b.length);
                  if (delayMillis > 0) {
                    ctx.executor()
                        .schedule(() -> ctx.writeAndFlush(r), delayMillis, TimeUnit.MILLISECONDS);
                  } else {
                    ctx.writeAndFlush(r);
                  }
                }
              });
    }
  }
}
