package io.nodemesh.bench;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.nodemesh.proxy.respond.Responses;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * The respond stage's own answers ({@code respond.Responses}): a refusal's one-line response, built
 * on the pooled allocator the proxy's channels use and released (as writing it would).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RespondBenchmark {
  private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;

  /** A 429 on a connection that stays open. */
  @Benchmark
  public int tooManyRequests() {
    return build(
        HttpResponseStatus.TOO_MANY_REQUESTS, "service ns-0/svc-1: rate limit exceeded", true);
  }

  /** A 400 that closes the connection ({@code Connection: close}). */
  @Benchmark
  public int badRequestClose() {
    return build(
        HttpResponseStatus.BAD_REQUEST,
        "malformed request: an encoded '/' or '\\' in the path (the Service does not allow them)",
        false);
  }

  private int build(HttpResponseStatus status, String line, boolean keepAlive) {
    FullHttpResponse r = Responses.text(alloc, status, line, keepAlive);
    int n = r.content().readableBytes();
    r.release();
    return n;
  }
}
