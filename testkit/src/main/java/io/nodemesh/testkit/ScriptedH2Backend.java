package io.nodemesh.testkit;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An h2c backend (prior knowledge) scripted frame by frame, by path: {@code /hold/...} waits for
 * {@link #release}, {@code /reset} sends a head and part of a body and then resets its stream
 * ({@code INTERNAL_ERROR}), anything else is answered {@code done <path>} at once. It counts its
 * connections and the most streams one connection had open, and can send a GOAWAY naming any last
 * stream.
 */
public final class ScriptedH2Backend extends NettyServer {
  public final AtomicInteger connections = new AtomicInteger();
  public final AtomicInteger maxStreamsOnAConnection = new AtomicInteger();

  /** Held streams by path. */
  public final Map<String, Http2FrameStream> held = new ConcurrentHashMap<>();

  private final Map<String, ChannelHandlerContext> heldOn = new ConcurrentHashMap<>();

  /**
   * @param maxStreams the SETTINGS_MAX_CONCURRENT_STREAMS it announces
   */
  public ScriptedH2Backend(long maxStreams) throws InterruptedException {
    Http2Settings settings = Http2Settings.defaultSettings().maxConcurrentStreams(maxStreams);
    bind(
        pipeline -> {
          connections.incrementAndGet();
          pipeline.addLast(codec(settings), new Script());
        });
  }

  private static Http2FrameCodec codec(Http2Settings settings) {
    return Http2FrameCodecBuilder.forServer().initialSettings(settings).build();
  }

  /** Answers the held request for {@code path}. */
  public void release(String path) {
    ChannelHandlerContext ctx = heldOn.get(path);
    Http2FrameStream s = held.get(path);
    ctx.executor().execute(() -> answer(ctx, s, path));
  }

  /** A GOAWAY (NO_ERROR) naming {@code lastStreamId}, on the connection that holds {@code path}. */
  public void goAway(String path, int lastStreamId) {
    ChannelHandlerContext ctx = heldOn.get(path);
    ctx.executor()
        .execute(
            () -> {
              // The codec's GOAWAY frame always names the last stream opened; the connection
              // handler under it takes any (RFC 9113 §6.8).
              Http2FrameCodec codec = ctx.pipeline().get(Http2FrameCodec.class);
              codec.goAway(
                  ctx.pipeline().context(codec),
                  lastStreamId,
                  Http2Error.NO_ERROR.code(),
                  Unpooled.EMPTY_BUFFER,
                  ctx.newPromise());
              ctx.flush();
            });
  }

  private static void answer(ChannelHandlerContext ctx, Http2FrameStream s, String path) {
    byte[] body = ("done " + path).getBytes(StandardCharsets.UTF_8);
    ctx.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200")).stream(s));
    ctx.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(body), true).stream(s));
  }

  private final class Script extends ChannelInboundHandlerAdapter {
    private final Map<Integer, String> paths = new ConcurrentHashMap<>();

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        if (msg instanceof Http2HeadersFrame h && h.isEndStream()) {
          requested(ctx, h.stream(), h.headers().path().toString());
        } else if (msg instanceof Http2HeadersFrame h) {
          paths.put(h.stream().id(), h.headers().path().toString());
        } else if (msg instanceof Http2DataFrame d && d.isEndStream()) {
          // A request whose end came as an empty DATA frame; its path came with its head.
          requested(ctx, d.stream(), paths.remove(d.stream().id()));
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    private void requested(ChannelHandlerContext ctx, Http2FrameStream s, String path) {
      int open = ctx.pipeline().get(Http2FrameCodec.class).connection().numActiveStreams();
      maxStreamsOnAConnection.accumulateAndGet(open, Math::max);
      if (path.startsWith("/hold/")) {
        heldOn.put(path, ctx);
        held.put(path, s);
      } else if (path.equals("/reset")) {
        ctx.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200")).stream(s));
        ctx.write(
            new DefaultHttp2DataFrame(
                    Unpooled.wrappedBuffer("part".getBytes(StandardCharsets.UTF_8)), false)
                .stream(s));
        ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.INTERNAL_ERROR).stream(s));
      } else {
        answer(ctx, s, path);
      }
    }
  }
}
