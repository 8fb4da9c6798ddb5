package io.nodemesh.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** How the proxy speaks HTTP to a Service's endpoints, chosen by {@code nodemesh.io/scheme}. */
public enum Scheme {
  /** HTTP/1.1 in clear text. */
  HTTP,
  /** HTTP/2 in clear text with prior knowledge. */
  H2C,
  /** HTTP/1.1 or HTTP/2 over TLS, negotiated by ALPN. */
  HTTPS;

  @JsonValue
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Parses the annotation or JSON value.
   *
   * @throws IllegalArgumentException naming the accepted values
   */
  @JsonCreator
  public static Scheme parse(String value) {
    for (Scheme s : values()) {
      if (s.wireName().equalsIgnoreCase(value == null ? "" : value.trim())) {
        return s;
      }
    }
    throw new IllegalArgumentException(
        "unknown scheme '" + value + "' (expected http, h2c or https)");
  }
}
