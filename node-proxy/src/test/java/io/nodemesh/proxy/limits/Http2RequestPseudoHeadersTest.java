package io.nodemesh.proxy.limits;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import org.junit.jupiter.api.Test;

/**
 * A request head without the pseudo-header fields a request needs is malformed (RFC 9113 §8.3.1)
 * and is reset before Netty's HTTP/1.1 conversion, which throws on it. The fuzzer found such a head
 * (corpus input {@code h2-headers-without-method}); this pins the rule.
 */
class Http2RequestPseudoHeadersTest {
  @Test
  void aHeadWithoutMethodOrPathIsMalformed() {
    assertThat(Http2StreamGuard.hasRequestPseudoHeaders(new DefaultHttp2Headers())).isFalse();
    assertThat(Http2StreamGuard.hasRequestPseudoHeaders(new DefaultHttp2Headers().path("/")))
        .isFalse();
    assertThat(Http2StreamGuard.hasRequestPseudoHeaders(new DefaultHttp2Headers().method("GET")))
        .isFalse();
    Http2Headers get = new DefaultHttp2Headers().method("GET").path("/");
    assertThat(Http2StreamGuard.hasRequestPseudoHeaders(get)).isTrue();
  }

  @Test
  void connectNeedsAnAuthorityWhateverTheCase() {
    assertThat(
            Http2StreamGuard.hasRequestPseudoHeaders(
                new DefaultHttp2Headers().method("CONNECT").authority("db:5432")))
        .isTrue();
    assertThat(
            Http2StreamGuard.hasRequestPseudoHeaders(
                new DefaultHttp2Headers().method("connect").path("/")))
        .isFalse();
  }
}
