package io.nodemesh.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersEncoder;
import io.netty.util.ReferenceCountUtil;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.proxy.accept.HttpProxyInitializer;
import io.nodemesh.proxy.listener.RoutingTable;
import io.nodemesh.proxy.metrics.ProxyMetrics;
import io.nodemesh.proxy.routing.EntryRouter;
import io.nodemesh.proxy.upstream.HttpProxyContext;
import io.nodemesh.proxy.upstream.HttpProxySettings;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The decode stage on HTTP/2, per stream: a GET's HEADERS frame on an open h2c connection through
 * the connection's real pipeline ({@code accept.HttpProxyInitializer}, prior knowledge): frame
 * codec, the stream's checks and conversion, its {@code DownstreamHandler}, to the proxy's own
 * answer ({@code 404}, no Service on that host) as frames, and the stream's end. What a stream
 * costs the proxy on top of the request path itself: before issue 15, a child channel and its
 * pipeline per stream. An embedded channel, no socket.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class Http2DecodeBenchmark {
  private static final int HEADERS = 0x1;
  private static final int END_STREAM = 0x1;
  private static final int END_HEADERS = 0x4;

  private EmbeddedChannel channel;
  private byte[] block;
  private int streamId;

  @Setup(Level.Iteration)
  public void setUp() throws Exception {
    ProxyMetrics metrics = new ProxyMetrics();
    RoutingTable table = RoutingTable.compile(new MeshConfig(1, "mesh", List.of()), metrics);
    HttpProxyContext context = new HttpProxyContext(null, metrics, HttpProxySettings.defaults());
    channel =
        new EmbeddedChannel(new HttpProxyInitializer(context, () -> new EntryRouter(() -> table)));
    channel.config().setAllocator(PooledByteBufAllocator.DEFAULT);
    // The preface, empty SETTINGS, and the connection window at its largest (RFC 9113 §6.9.1), so
    // that the answers of a whole iteration fit.
    ByteBuf start = Unpooled.buffer();
    start.writeBytes(Http2CodecUtil.connectionPrefaceBuf());
    frameHeader(start, 0, 0x4, 0, 0);
    frameHeader(start, 4, 0x8, 0, 0);
    start.writeInt(Integer.MAX_VALUE - 65_535);
    channel.writeInbound(start);
    channel.runPendingTasks();
    channel.releaseOutbound();
    Http2Headers headers =
        new DefaultHttp2Headers()
            .method("GET")
            .scheme("http")
            .authority("svc-1.ns-0.mesh")
            .path("/api/v1/orders/12345?expand=items&page=2")
            .add("user-agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Firefox/128.0")
            .add("accept", "application/json, text/plain, */*")
            .add("accept-encoding", "gzip, deflate, br")
            .add("x-request-id", "3f8e2a1c-9b7d-4e6f-8a5c-1d2e3f4a5b6c");
    // Literals never indexed: every copy of the block decodes alike, whatever came before.
    ByteBuf encoded = Unpooled.buffer();
    new DefaultHttp2HeadersEncoder(Http2HeadersEncoder.ALWAYS_SENSITIVE)
        .encodeHeaders(3, headers, encoded);
    block = new byte[encoded.readableBytes()];
    encoded.readBytes(block);
    encoded.release();
    streamId = 1;
  }

  @TearDown(Level.Iteration)
  public void tearDown() {
    channel.finishAndReleaseAll();
  }

  /** One GET stream, opened and answered: HEADERS in, HEADERS and DATA out. */
  @Benchmark
  public int stream() {
    ByteBuf in = channel.alloc().buffer(9 + block.length);
    frameHeader(in, block.length, HEADERS, END_STREAM | END_HEADERS, streamId);
    in.writeBytes(block);
    streamId += 2;
    channel.writeInbound(in);
    // A stream's answer may take more than one turn of the loop (a child channel's registration,
    // the consolidated flush): run the loop until it is out.
    int out = 0;
    for (int turn = 0; turn < 8 && out == 0; turn++) {
      channel.runPendingTasks();
      channel.flushOutbound();
      Object o;
      while ((o = channel.readOutbound()) != null) {
        if (o instanceof ByteBuf b) {
          out += b.readableBytes();
        }
        ReferenceCountUtil.release(o);
      }
    }
    if (out == 0) {
      throw new IllegalStateException("no answer");
    }
    return out;
  }

  private static void frameHeader(ByteBuf b, int length, int type, int flags, int stream) {
    b.writeMedium(length).writeByte(type).writeByte(flags).writeInt(stream);
  }
}
