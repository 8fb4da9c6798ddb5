package io.nodemesh.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.Test;

class RequestTargetTest {

  private static HttpRequest get(String uri, String host) {
    HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
    if (host != null) {
      r.headers().set("Host", host);
    }
    return r;
  }

  @Test
  void absoluteFormBecomesOriginFormAndItsAuthorityTheHost() {
    HttpRequest r = get("http://whoami.default.mesh:8080/a/b?q=1#frag", "localhost:8000");
    RequestTarget.toOriginForm(r);
    assertThat(r.uri()).isEqualTo("/a/b?q=1");
    assertThat(r.headers().get("host")).isEqualTo("whoami.default.mesh:8080");
  }

  @Test
  void absoluteFormWithoutPathGetsSlash() {
    HttpRequest r = get("HTTP://whoami.default.mesh", null);
    RequestTarget.toOriginForm(r);
    assertThat(r.uri()).isEqualTo("/");
    assertThat(r.headers().get("host")).isEqualTo("whoami.default.mesh");

    HttpRequest q = get("http://user:pw@whoami.default.mesh?x=1", null);
    RequestTarget.toOriginForm(q);
    assertThat(q.uri()).isEqualTo("/?x=1");
    assertThat(q.headers().get("host")).isEqualTo("whoami.default.mesh");
  }

  @Test
  void originFormIsLeftAlone() {
    HttpRequest r = get("/http://not-absolute", "whoami.default.mesh");
    RequestTarget.toOriginForm(r);
    assertThat(r.uri()).isEqualTo("/http://not-absolute");
    assertThat(r.headers().get("host")).isEqualTo("whoami.default.mesh");
    assertThat(RequestTarget.path("/a/b?c=d")).isEqualTo("/a/b");
  }
}
