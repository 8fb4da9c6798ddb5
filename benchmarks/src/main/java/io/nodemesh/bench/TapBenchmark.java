package io.nodemesh.bench;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.nodemesh.proxy.metrics.ProxyMetrics;
import io.nodemesh.proxy.metrics.RequestObservation;
import io.nodemesh.proxy.tap.Tap;
import io.nodemesh.proxy.tap.TapFilter;
import io.nodemesh.proxy.tap.Taps;
import java.util.Map;
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
 * What a tap costs the request path: one request observed from head to end (no tracing, no access
 * log) with nobody tapping, with a tap open on another Service (the event is built and filtered
 * out), and with a tap matching every request at its maximum rate (most are dropped by the rate
 * limit); after taps were opened and closed again (what a controller tap leaves); and the check
 * alone. The check against the proxy's cost per request is the "off the hot path" claim
 * (docs/observability.md).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class TapBenchmark {
  private ProxyMetrics idle;
  private ProxyMetrics tappedElsewhere;
  private ProxyMetrics tappedHere;
  private ProxyMetrics tappedAndClosed;
  private Tap elsewhere;
  private Tap here;
  private HttpRequest request;
  private EmbeddedChannel channel;

  @Setup(Level.Trial)
  public void setUp() {
    idle = new ProxyMetrics();
    tappedElsewhere = new ProxyMetrics();
    tappedHere = new ProxyMetrics();
    elsewhere = tappedElsewhere.taps().open(TapFilter.parse(Map.of("service", "shop/other")), 100);
    here = tappedHere.taps().open(TapFilter.all(), Taps.MAX_RATE);
    tappedAndClosed = new ProxyMetrics();
    // What a controller tap (nodemesh tap --controller) leaves behind once the user stops: the
    // proxy's own taps closed, the array of open taps empty again.
    for (int i = 0; i < Taps.MAX_OPEN; i++) {
      tappedAndClosed.taps().open(TapFilter.parse(Map.of("service", "shop/web")), 100).close();
    }
    request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/api/v1/items/42");
    channel = new EmbeddedChannel();
  }

  @TearDown(Level.Iteration)
  public void drain() throws InterruptedException {
    while (here.poll(0, TimeUnit.NANOSECONDS) != null) {
      // keep the queue from staying full, so offers are measured, not only rejections
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    elsewhere.close();
    here.close();
    channel.finishAndReleaseAll();
    idle.close();
    tappedElsewhere.close();
    tappedHere.close();
    tappedAndClosed.close();
  }

  private RequestObservation observe(ProxyMetrics m) {
    RequestObservation o = m.startRequest(null, "web", null, request, channel);
    o.end(200);
    return o;
  }

  /** The one check the request path adds while nobody taps: a volatile read of an empty array. */
  @Benchmark
  public boolean noTapCheckAlone() {
    return idle.taps().on();
  }

  @Benchmark
  public RequestObservation noTap() {
    return observe(idle);
  }

  /** A proxy that controller taps reached and left: must cost what {@link #noTap} costs. */
  @Benchmark
  public RequestObservation noTapAfterControllerTaps() {
    return observe(tappedAndClosed);
  }

  @Benchmark
  public RequestObservation tapOnOtherService() {
    return observe(tappedElsewhere);
  }

  @Benchmark
  public RequestObservation tapMatchingAtMaxRate() {
    return observe(tappedHere);
  }
}
