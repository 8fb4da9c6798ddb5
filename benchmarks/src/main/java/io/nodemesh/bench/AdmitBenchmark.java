package io.nodemesh.bench;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.nodemesh.proxy.admit.Admission;
import io.nodemesh.proxy.admit.Refusal;
import io.nodemesh.proxy.limits.LimitSettings;
import io.nodemesh.proxy.limits.Limits;
import io.nodemesh.proxy.listener.CompiledListener;
import io.nodemesh.proxy.listener.RoutingTable;
import io.nodemesh.proxy.metrics.ProxyMetrics;
import io.nodemesh.proxy.routing.RequestTarget;
import java.net.InetAddress;
import java.net.UnknownHostException;
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
 * The admit stage as {@code decode.DownstreamHandler} runs it ({@code admit.Admission}): the limits
 * on the head (origin form, canonical path), then the Service's request rules and the access check
 * (ACL mode off), for a request that is admitted; and for one refused by the rules (an encoded
 * {@code /}), with the one refusal path that counts it and builds its answer.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class AdmitBenchmark {
  private Admission admission;
  private CompiledListener listener;
  private EmbeddedChannel channel;
  private InetAddress peer;

  @Setup
  public void setUp() throws UnknownHostException {
    ProxyMetrics metrics = new ProxyMetrics();
    admission =
        new Admission(new Limits(LimitSettings.defaults(), new SimpleMeterRegistry()), metrics);
    RoutingTable table = RoutingTable.compile(SyntheticMesh.config(1, 100, 3, true), metrics);
    listener = table.byProxyPort(SyntheticMesh.FIRST_PROXY_PORT + 1);
    channel = new EmbeddedChannel();
    channel.config().setAllocator(PooledByteBufAllocator.DEFAULT);
    peer = InetAddress.getByName("10.1.2.3");
  }

  @TearDown
  public void tearDown() {
    channel.finishAndReleaseAll();
  }

  private static HttpRequest request(String uri) {
    HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
    r.headers()
        .add("host", "svc-1.ns-0.mesh")
        .add("accept", "application/json")
        .add("user-agent", "orders-client/1.4")
        .add("x-request-id", "3f8e2a1c-9b7d-4e6f-8a5c-1d2e3f4a5b6c");
    return r;
  }

  /** A decoded head is fresh per request; the stage edits it in place. */
  private static Object admit(
      Admission admission, CompiledListener listener, HttpRequest r, InetAddress peer) {
    Refusal refused = admission.head(r);
    if (refused != null) {
      return refused;
    }
    return Admission.listener(listener, r, RequestTarget.path(r.uri()), peer);
  }

  /** Baseline: building the fresh request head alone, which the two below include. */
  @Benchmark
  public HttpRequest requestAlone() {
    return request("/api/v1/orders/12345?expand=items");
  }

  /** Admitted: an ordinary GET with a query. */
  @Benchmark
  public Object allowed() {
    Object verdict = admit(admission, listener, request("/api/v1/orders/12345?expand=items"), peer);
    if (!(verdict instanceof Admission.Admitted)) {
      throw new IllegalStateException("not admitted: " + verdict);
    }
    return verdict;
  }

  /**
   * Refused by the Service's rules (an encoded {@code /} the Service does not allow): the verdict,
   * then {@link Admission#refuse} counts it, observes it and builds the 400.
   */
  @Benchmark
  public int refusedEncodedSlash() {
    HttpRequest r = request("/api/v1/files/a%2Fb?x=1");
    Object verdict = admit(admission, listener, r, peer);
    if (!(verdict instanceof Admission.Refused refused)) {
      throw new IllegalStateException("not refused: " + verdict);
    }
    FullHttpResponse answer = admission.refuse(refused.refusal(), r, channel, null, true);
    int code = answer.status().code();
    answer.release();
    return code;
  }
}
