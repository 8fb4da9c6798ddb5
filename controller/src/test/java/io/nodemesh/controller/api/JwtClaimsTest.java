package io.nodemesh.controller.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodemesh.controller.testing.Jwt;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class JwtClaimsTest {
  static String withPayload(String json) {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    return "eyJhbGciOiJSUzI1NiJ9."
        + b64.encodeToString(json.getBytes(StandardCharsets.UTF_8))
        + ".sig";
  }

  @Test
  void readsAudienceArrayOrStringAndSubject() {
    assertThat(JwtClaims.decode(Jwt.proxy("x")))
        .hasValue(
            new JwtClaims(List.of("nodemesh"), "system:serviceaccount:nodemesh:nodemesh-proxy"));
    assertThat(JwtClaims.decode(withPayload("{\"aud\":\"nodemesh\",\"sub\":\"s\"}")))
        .hasValue(new JwtClaims(List.of("nodemesh"), "s"));
    assertThat(JwtClaims.decode(withPayload("{\"aud\":[1,\"a\",null]}")))
        .hasValue(new JwtClaims(List.of("a"), null));
  }

  @Test
  void anythingElseIsNotAJwt() {
    for (String t :
        List.of(
            "opaque",
            "a.b",
            "a.b.c.d",
            ".e30.",
            withPayload("[\"aud\"]"),
            withPayload("not json"),
            "x.!!!.y",
            withPayload("{\"aud\":\"" + "n".repeat(JwtClaims.MAX_TOKEN_CHARS) + "\"}"))) {
      assertThat(JwtClaims.decode(t)).as(t.length() > 80 ? t.substring(0, 80) : t).isEmpty();
    }
  }
}
