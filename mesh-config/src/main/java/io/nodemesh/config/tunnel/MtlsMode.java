package io.nodemesh.config.tunnel;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * How traffic to a namespace's pods crosses nodes (issue 14, "Modes").
 *
 * <ul>
 *   <li>{@code off}: the caller's proxy connects to the pod directly, in plaintext;
 *   <li>{@code permissive}: through the tunnel when the pod's node has a tunnel address, else
 *       directly;
 *   <li>{@code strict}: through the tunnel or not at all; never plaintext across nodes.
 * </ul>
 */
public enum MtlsMode {
  OFF,
  PERMISSIVE,
  STRICT;

  @JsonValue
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Parses the chart or JSON value.
   *
   * @throws IllegalArgumentException naming the accepted values
   */
  @JsonCreator
  public static MtlsMode parse(String value) {
    for (MtlsMode m : values()) {
      if (m.wireName().equalsIgnoreCase(value == null ? "" : value.trim())) {
        return m;
      }
    }
    throw new IllegalArgumentException(
        "unknown mtls mode '" + value + "' (expected off, permissive or strict)");
  }
}
