package io.nodemesh.bench;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import io.nodemesh.proxy.limits.LimitSettings;
import io.nodemesh.proxy.limits.Limits;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The decode stage on HTTP/1.1: a request head's bytes through the pieces the proxy's pipeline puts
 * around the codec ({@code accept.HttpProxyInitializer}): the head-start probe, the HTTP/1.1 codec
 * with the proxy's decoder limits, and the request guard (deadlines, framing, sizes), up to the
 * decoded request that {@code decode.DownstreamHandler} takes. An embedded channel, no socket.
 *
 * <p>Each request is answered with an empty 204, as the codec and the guard keep per-request state
 * (the methods awaiting a response, the requests outstanding) until its response is written; that
 * small response's encoding is therefore part of the number.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class DecodeBenchmark {
  /** What a browser sends: 9 header fields, about 500 bytes. */
  private static final byte[] BROWSER_GET =
      ("GET /api/v1/orders/12345?expand=items&page=2 HTTP/1.1\r\n"
              + "Host: svc-1.ns-0.mesh\r\n"
              + "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101"
              + " Firefox/128.0\r\n"
              + "Accept: application/json, text/plain, */*\r\n"
              + "Accept-Language: en-GB,en;q=0.5\r\n"
              + "Accept-Encoding: gzip, deflate, br\r\n"
              + "Referer: https://shop.example.com/orders\r\n"
              + "Cookie: session=4f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d; theme=dark\r\n"
              + "Connection: keep-alive\r\n"
              + "X-Request-Id: 3f8e2a1c-9b7d-4e6f-8a5c-1d2e3f4a5b6c\r\n"
              + "\r\n")
          .getBytes(StandardCharsets.US_ASCII);

  /** A small JSON POST between services: head and 64-byte body in one read. */
  private static final byte[] SMALL_POST =
      ("POST /api/v1/orders HTTP/1.1\r\n"
              + "Host: svc-1.ns-0.mesh\r\n"
              + "Content-Type: application/json\r\n"
              + "Content-Length: 64\r\n"
              + "\r\n"
              + "{\"item\":\"book-0000000001\",\"quantity\":1,\"note\":\"gift wrap, please\"}"
                  .substring(0, 64))
          .getBytes(StandardCharsets.US_ASCII);

  private EmbeddedChannel channel;
  private Sink sink;

  @Setup
  public void setUp() {
    Limits limits = new Limits(LimitSettings.defaults(), new SimpleMeterRegistry());
    channel = new EmbeddedChannel();
    channel.config().setAllocator(PooledByteBufAllocator.DEFAULT);
    Limits.DownstreamChecks checks = limits.downstream(channel);
    sink = new Sink();
    channel
        .pipeline()
        .addLast(Limits.HEAD_START, checks.headStart())
        .addLast(new HttpServerCodec(limits.decoderConfig()))
        .addLast(Limits.REQUEST_GUARD, checks.requestGuard())
        .addLast(sink);
  }

  @TearDown
  public void tearDown() {
    channel.finishAndReleaseAll();
  }

  /** A browser-like GET head: one request and its (empty) end. */
  @Benchmark
  public HttpRequest browserGet() {
    return decode(BROWSER_GET);
  }

  /** A small POST with its body in the same read. */
  @Benchmark
  public HttpRequest smallPost() {
    return decode(SMALL_POST);
  }

  private HttpRequest decode(byte[] bytes) {
    ByteBuf in = channel.alloc().buffer(bytes.length).writeBytes(bytes);
    channel.writeInbound(in);
    // The guard's head deadline is a scheduled task; run what is due so nothing piles up.
    channel.runPendingTasks();
    HttpRequest r = sink.last;
    if (r == null) {
      throw new IllegalStateException("nothing decoded");
    }
    sink.last = null;
    channel.writeOutbound(
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, HttpResponseStatus.NO_CONTENT, Unpooled.EMPTY_BUFFER));
    channel.releaseOutbound();
    return r;
  }

  /** Stands for DownstreamHandler: keeps the request head, releases every message. */
  private static final class Sink extends ChannelInboundHandlerAdapter {
    HttpRequest last;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof HttpRequest r) {
        last = r;
      }
      ReferenceCountUtil.release(msg);
    }
  }
}
