package io.nodemesh.proxy.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class ForwardingHeadersTest {

  private static HttpRequest request() {
    return new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/x");
  }

  /** The headers of a GET with these fields, prepared for the next hop as from {@code peer}. */
  private static HttpHeaders prepared(String peer, String... namesAndValues) throws Exception {
    HttpRequest r = request();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      r.headers().add(namesAndValues[i], namesAndValues[i + 1]);
    }
    ForwardingHeaders.prepareRequest(r, InetAddress.getByName(peer));
    return r.headers();
  }

  @Test
  void xForwardedForAppendsThePeer() throws Exception {
    assertThat(prepared("10.0.0.5", "X-Forwarded-For", "192.0.2.1").get("x-forwarded-for"))
        .isEqualTo("192.0.2.1, 10.0.0.5");
    assertThat(prepared("10.0.0.5").get("x-forwarded-for")).isEqualTo("10.0.0.5");
  }

  @Test
  void xForwardedProtoIsWhatTheProxyKnowsNotWhatTheClientSays() throws Exception {
    assertThat(prepared("10.0.0.5").get("x-forwarded-proto")).isEqualTo("http");
    HttpHeaders spoofed =
        prepared("10.0.0.5", "X-Forwarded-Proto", "https", "X-Forwarded-Proto", "wss");
    assertThat(spoofed.getAll("x-forwarded-proto")).containsExactly("http");
  }

  @Test
  void forwardedFollowsRfc7239() throws Exception {
    assertThat(prepared("10.0.0.5", "Host", "whoami.default.mesh").get("forwarded"))
        .isEqualTo("for=10.0.0.5;proto=http;host=whoami.default.mesh");
    HttpHeaders v6 =
        prepared(
            "fd00::5",
            "Host",
            "whoami.default.mesh:8080",
            "Forwarded",
            "for=192.0.2.60;proto=https");
    assertThat(v6.get("forwarded"))
        .isEqualTo(
            "for=192.0.2.60;proto=https,"
                + " for=\"[fd00:0:0:0:0:0:0:5]\";proto=http;host=\"whoami.default.mesh:8080\"");
  }

  @Test
  void theElementKeptPerConnectionFollowsEachRequestsHost() throws Exception {
    ForwardingHeaders.Client client =
        ForwardingHeaders.Client.of(InetAddress.getByName("10.0.0.5"));
    String[] hosts = {
      "a.default.mesh", "a.default.mesh", "b.default.mesh:8080", "", "a.default.mesh"
    };
    String[] expected = {
      "for=10.0.0.5;proto=http;host=a.default.mesh",
      "for=10.0.0.5;proto=http;host=a.default.mesh",
      "for=10.0.0.5;proto=http;host=\"b.default.mesh:8080\"",
      "for=10.0.0.5;proto=http",
      "for=10.0.0.5;proto=http;host=a.default.mesh"
    };
    for (int i = 0; i < hosts.length; i++) {
      HttpRequest r = request();
      r.headers().set("Host", hosts[i]);
      ForwardingHeaders.prepareRequest(r, client);
      assertThat(r.headers().get("forwarded")).as("request %d", i).isEqualTo(expected[i]);
    }
  }

  @Test
  void hopByHopHeadersAreRemovedAndHostIsKept() throws Exception {
    HttpRequest r = request();
    r.headers()
        .set("Host", "Whoami.Default.Mesh")
        .set("Connection", "keep-alive, X-Secret")
        .set("X-Secret", "s")
        .set("Keep-Alive", "timeout=5")
        .set("Proxy-Connection", "keep-alive")
        .set("TE", "trailers")
        .set("Trailer", "X-Checksum")
        .set("Upgrade", "websocket")
        .set("Proxy-Authorization", "Basic eA==")
        .set("X-Kept", "yes");
    ForwardingHeaders.prepareRequest(r, InetAddress.getByName("10.0.0.5"));
    assertThat(r.headers().names())
        .doesNotContain("Connection", "X-Secret", "Keep-Alive", "Proxy-Connection", "TE", "Trailer")
        .doesNotContain("Upgrade", "Proxy-Authorization");
    assertThat(r.headers().get("host")).isEqualTo("Whoami.Default.Mesh");
    assertThat(r.headers().get("x-kept")).isEqualTo("yes");
  }

  @Test
  void everyFieldNamedInAnyConnectionFieldIsRemoved() {
    HttpRequest r = request();
    r.headers()
        .add("Connection", ",x-a,, X-B ,")
        .add("Connection", "x-c")
        .set("X-A", "1")
        .set("X-B", "2")
        .set("X-C", "3")
        .set("X-D", "4");
    ForwardingHeaders.stripHopByHop(r.headers());
    assertThat(r.headers().names()).containsExactly("X-D");
  }

  @Test
  void chunkedFramingIsKeptForTheNextHop() throws Exception {
    assertThat(prepared("10.0.0.5", "Transfer-Encoding", "chunked").get("transfer-encoding"))
        .isEqualTo("chunked");
  }

  @Test
  void responseHopByHopIsRemovedAndConnectionReflectsTheDownstreamDecision() {
    HttpResponse res = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    res.headers()
        .set("Connection", "close")
        .set("Keep-Alive", "timeout=1")
        .set("Content-Length", "3");
    assertThat(ForwardingHeaders.prepareResponse(res, true, HttpVersion.HTTP_1_1, false)).isTrue();
    assertThat(res.headers().contains("connection")).isFalse();
    assertThat(res.headers().contains("keep-alive")).isFalse();

    HttpResponse closing = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    closing.headers().set("Content-Length", "3");
    assertThat(ForwardingHeaders.prepareResponse(closing, false, HttpVersion.HTTP_1_1, false))
        .isFalse();
    assertThat(closing.headers().get("connection")).isEqualTo("close");
  }

  @Test
  void aCloseDelimitedBodyIsChunkedFor11AndClosesFor10() {
    HttpResponse r11 = new DefaultHttpResponse(HttpVersion.HTTP_1_0, HttpResponseStatus.OK);
    assertThat(ForwardingHeaders.prepareResponse(r11, true, HttpVersion.HTTP_1_1, false)).isTrue();
    assertThat(r11.headers().get("transfer-encoding")).isEqualTo("chunked");

    HttpResponse r10 = new DefaultHttpResponse(HttpVersion.HTTP_1_0, HttpResponseStatus.OK);
    assertThat(ForwardingHeaders.prepareResponse(r10, true, HttpVersion.HTTP_1_0, false)).isFalse();
    assertThat(r10.headers().get("connection")).isEqualTo("close");

    HttpResponse chunkedTo10 = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    chunkedTo10.headers().set("Transfer-Encoding", "chunked");
    assertThat(ForwardingHeaders.prepareResponse(chunkedTo10, true, HttpVersion.HTTP_1_0, false))
        .isFalse();
    assertThat(chunkedTo10.headers().contains("transfer-encoding")).isFalse();

    HttpResponse noContent =
        new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NO_CONTENT);
    assertThat(ForwardingHeaders.prepareResponse(noContent, true, HttpVersion.HTTP_1_1, false))
        .isTrue();
    assertThat(noContent.headers().contains("transfer-encoding")).isFalse();
  }

  @Test
  void teTrailersIsRecognisedAmongOtherCodings() {
    HttpRequest r = request();
    assertThat(ForwardingHeaders.acceptsTrailers(r)).isFalse();
    r.headers().set("TE", "gzip;q=0.5, Trailers");
    assertThat(ForwardingHeaders.acceptsTrailers(r)).isTrue();
    r.headers().set("TE", "gzip");
    assertThat(ForwardingHeaders.acceptsTrailers(r)).isFalse();
  }

  @Test
  void nettysHttp2TranslationHeadersAreNotForwarded() throws Exception {
    HttpRequest r = request();
    r.headers().set("x-http2-stream-id", "3").set("x-http2-scheme", "http").set("x-keep", "1");
    ForwardingHeaders.prepareRequest(r, InetAddress.getByName("10.0.0.5"));
    assertThat(r.headers().contains("x-http2-stream-id")).isFalse();
    assertThat(r.headers().contains("x-http2-scheme")).isFalse();
    assertThat(r.headers().get("x-keep")).isEqualTo("1");
  }
}
