package io.nodemesh.proxy.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RequestTargetTest {

  private static HttpRequest get(String uri, String host) {
    HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
    if (host != null) {
      r.headers().set("Host", host);
    }
    return r;
  }

  /**
   * An absolute-form target becomes origin-form and its authority the Host (RFC 9112 section
   * 3.2.2), with "/" for an empty path and without userinfo; an origin-form target is left alone.
   */
  @ParameterizedTest(name = "{0} with Host {1}")
  @CsvSource({
    "http://whoami.default.mesh:8080/a/b?q=1#frag, localhost:8000, /a/b?q=1,"
        + " whoami.default.mesh:8080",
    "HTTP://whoami.default.mesh, , /, whoami.default.mesh",
    "http://user:pw@whoami.default.mesh?x=1, , /?x=1, whoami.default.mesh",
    "/http://not-absolute, whoami.default.mesh, /http://not-absolute, whoami.default.mesh",
  })
  void toOriginForm(String target, String host, String uri, String expectedHost) {
    HttpRequest r = get(target, host);
    RequestTarget.toOriginForm(r);
    assertThat(r.uri()).isEqualTo(uri);
    assertThat(r.headers().get("host")).isEqualTo(expectedHost);
  }

  @Test
  void pathIsTheTargetWithoutItsQuery() {
    assertThat(RequestTarget.path("/a/b?c=d")).isEqualTo("/a/b");
  }
}
