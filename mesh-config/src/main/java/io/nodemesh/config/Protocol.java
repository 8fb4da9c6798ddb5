package io.nodemesh.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * How a meshed Service port is spoken, chosen by the {@code nodemesh.io/traffic-type} annotation.
 */
public enum Protocol {
  HTTP,
  TCP,
  UDP;

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
        "unknown traffic type '" + value + "' (expected http, tcp or udp)");
  }
}
