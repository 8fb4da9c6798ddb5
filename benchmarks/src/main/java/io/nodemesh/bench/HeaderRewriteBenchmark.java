package io.nodemesh.bench;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.nodemesh.proxy.upstream.ForwardingHeaders;
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

/**
 * Header rewriting for the upstream and downstream hops. Each call rewrites a fresh copy of a
 * typical browser-like request (or backend response); {@code copyOnly*} measures the copy alone, so
 * the rewrite costs the difference.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class HeaderRewriteBenchmark {
  private HttpRequest request;
  private HttpResponse response;
  // The client as the proxy keeps it, once per connection (DownstreamHandler.client()).
  private ForwardingHeaders.Client peer;

  @Setup
  public void setUp() throws UnknownHostException {
    request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/api/v1/items?page=2");
    request
        .headers()
        .add("host", "shop.default.mesh")
        .add("user-agent", "Mozilla/5.0 (X11; Linux x86_64) bench")
        .add("accept", "application/json")
        .add("accept-encoding", "gzip, deflate")
        .add("connection", "keep-alive")
        .add("x-request-id", "6f1c2e1a-8d1b-4b7e-9d6a-2f1b7c3d9e01")
        .add("cookie", "session=abc123; theme=dark")
        .add("x-forwarded-for", "192.0.2.10");
    response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    response
        .headers()
        .add("content-type", "application/json")
        .add("content-length", "1234")
        .add("date", "Thu, 26 Nov 2026 00:00:00 GMT")
        .add("server", "nginx")
        .add("connection", "keep-alive")
        .add("keep-alive", "timeout=5")
        .add("cache-control", "no-cache");
    peer = ForwardingHeaders.Client.of(InetAddress.getByAddress(new byte[] {10, 1, 2, 3}));
  }

  private HttpRequest freshRequest() {
    HttpRequest r =
        new DefaultHttpRequest(request.protocolVersion(), request.method(), request.uri());
    r.headers().set(request.headers());
    return r;
  }

  private HttpResponse freshResponse() {
    HttpResponse r = new DefaultHttpResponse(response.protocolVersion(), response.status());
    r.headers().set(response.headers());
    return r;
  }

  @Benchmark
  public HttpHeaders copyOnlyRequest() {
    return freshRequest().headers();
  }

  @Benchmark
  public HttpHeaders prepareRequest() {
    HttpRequest r = freshRequest();
    ForwardingHeaders.prepareRequest(r, peer);
    return r.headers();
  }

  @Benchmark
  public HttpHeaders copyOnlyResponse() {
    return freshResponse().headers();
  }

  @Benchmark
  public boolean prepareResponse() {
    return ForwardingHeaders.prepareResponse(freshResponse(), true, HttpVersion.HTTP_1_1, false);
  }
}
