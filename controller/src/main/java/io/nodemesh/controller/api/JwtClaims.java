package io.nodemesh.controller.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.nodemesh.config.MeshConfigJson;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * The {@code aud} and {@code sub} claims of a JSON Web Token, read <em>without verifying</em> its
 * signature (RFC 7519 section 4.1.3 and 4.1.2). They serve only to refuse cheaply a token that
 * could never pass a TokenReview for us (issued for another audience, or not to a ServiceAccount),
 * so that a forged or misdirected token costs the API server nothing. Accepting a token always
 * takes a TokenReview: these claims are never trusted to grant anything.
 *
 * @param audiences the {@code aud} claim (a string or an array of strings, RFC 7519 section 4.1.3)
 * @param subject the {@code sub} claim, null when absent
 */
record JwtClaims(List<String> audiences, String subject) {
  /** Larger tokens are refused unread: a projected ServiceAccount token is about 1 KiB. */
  static final int MAX_TOKEN_CHARS = 16 * 1024;

  JwtClaims {
    audiences = List.copyOf(audiences);
  }

  /** The claims of a compact JWS (three base64url parts, RFC 7515 section 7.1), or empty. */
  static Optional<JwtClaims> decode(String token) {
    if (token == null || token.length() > MAX_TOKEN_CHARS) {
      return Optional.empty();
    }
    int first = token.indexOf('.');
    int second = first < 0 ? -1 : token.indexOf('.', first + 1);
    if (first <= 0 || second < 0 || token.indexOf('.', second + 1) >= 0) {
      return Optional.empty();
    }
    JsonNode payload;
    try {
      byte[] json = Base64.getUrlDecoder().decode(token.substring(first + 1, second));
      payload = MeshConfigJson.mapper().readTree(json);
    } catch (IllegalArgumentException | IOException e) {
      return Optional.empty();
    }
    if (payload == null || !payload.isObject()) {
      return Optional.empty();
    }
    List<String> aud = new ArrayList<>();
    JsonNode a = payload.get("aud");
    if (a != null && a.isTextual()) {
      aud.add(a.asText());
    } else if (a != null && a.isArray()) {
      for (JsonNode n : a) {
        if (n.isTextual()) {
          aud.add(n.asText());
        }
      }
    }
    JsonNode sub = payload.get("sub");
    return Optional.of(new JwtClaims(aud, sub != null && sub.isTextual() ? sub.asText() : null));
  }

  boolean hasAudience(String audience) {
    return audiences.contains(audience);
  }
}
