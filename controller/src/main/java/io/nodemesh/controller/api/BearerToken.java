package io.nodemesh.controller.api;

import java.util.Optional;

/**
 * The token of an {@code Authorization: Bearer} header (RFC 6750 section 2.1), or why there is
 * none.
 *
 * @param token the token, null when {@code problem} is set
 * @param problem why the header carries no usable token, null when {@code token} is set
 */
record BearerToken(String token, String problem) {
  static BearerToken parse(Optional<String> authorization) {
    if (authorization.isEmpty()) {
      return new BearerToken(null, "no Authorization header; send a Bearer token");
    }
    String value = authorization.get().trim();
    if (value.length() < 7 || !value.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return new BearerToken(null, "Authorization is not a Bearer token");
    }
    String token = value.substring(7).trim();
    if (token.isEmpty()) {
      return new BearerToken(null, "empty Bearer token");
    }
    return new BearerToken(token, null);
  }
}
