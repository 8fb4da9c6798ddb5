package io.nodemesh.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * How a meshed Service port is spoken, chosen by the {@code nodemesh.io/traffic-type} annotation.
 * {@link #AUTO} is a TCP port whose connections are served as HTTP or relayed as TCP depending on
 * their first bytes (docs/protocols.md).
 */
public enum Protocol {
  HTTP,
  TCP,
  UDP,
  AUTO;

  /** Whether connections on such a listener may be served by the HTTP pipeline. */
  public boolean servesHttp() {
    return this == HTTP || this == AUTO;
  }

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
  public static Protocol parse(String value) {
    for (Protocol p : values()) {
      if (p.wireName().equalsIgnoreCase(value == null ? "" : value.trim())) {
        return p;
      }
    }
    throw new IllegalArgumentException(
        "unknown traffic type '" + value + "' (expected http, tcp, udp or auto)");
  }
}
