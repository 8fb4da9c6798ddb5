package io.nodemesh.proxy.upstream;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import io.nodemesh.config.ServicePolicy;

/**
 * Which {@code Upgrade} protocols of a request go on to the backend (RFC 9110 §7.8). After a 101
 * the connection is a tunnel that no per-request check sees, so only the protocols a Service opts
 * into pass ({@code nodemesh.io/upgrade-protocols}, default {@code websocket}). {@code h2c} never
 * does: the proxy speaks HTTP/2 to clients itself and routes every stream. A request whose tokens
 * are all refused loses {@code Upgrade} and goes on as plain HTTP; the backend then answers it as
 * such, and a 101 it sends anyway is a bad response (502).
 */
final class UpgradeTokens {
  /** RFC 7540 §3.2.1; connection-specific, so never forwarded (RFC 9113 §8.2.2). */
  static final AsciiString HTTP2_SETTINGS = AsciiString.cached("http2-settings");

  /** A request's {@code Upgrade} field list is at most this long; a longer one is refused whole. */
  static final int MAX_LENGTH = 1024;

  private UpgradeTokens() {}

  /**
   * The {@code Upgrade} value to forward: the elements of the request's {@code Upgrade} fields
   * whose protocol name the Service allows, in the client's order; null when none is left.
   */
  static String allowed(HttpHeaders headers, ServicePolicy.Connections policy) {
    StringBuilder out = null;
    int length = 0;
    for (String field : headers.getAll(HttpHeaderNames.UPGRADE)) {
      length += field.length();
      if (length > MAX_LENGTH) {
        return null;
      }
      for (String element : field.split(",")) {
        String protocol = element.trim();
        if (protocol.isEmpty() || !policy.allowsUpgrade(name(protocol))) {
          continue;
        }
        if (out == null) {
          out = new StringBuilder(protocol);
        } else {
          out.append(", ").append(protocol);
        }
      }
    }
    return out == null ? null : out.toString();
  }

  /**
   * Whether the protocol a backend's 101 switched to is one the proxy offered it: a backend must
   * not pick a protocol the Service did not allow (RFC 9110 §15.2.2 lets it choose only among the
   * offered ones).
   */
  static boolean offered(String forwarded, String chosen) {
    if (forwarded == null || chosen == null) {
      return false;
    }
    String c = chosen.trim();
    if (c.isEmpty() || c.indexOf(',') >= 0) {
      return false;
    }
    for (String element : forwarded.split(",")) {
      if (name(element.trim()).equalsIgnoreCase(name(c))) {
        return true;
      }
    }
    return false;
  }

  /** The protocol name of {@code name["/" version]}. */
  private static String name(String protocol) {
    int slash = protocol.indexOf('/');
    return slash < 0 ? protocol : protocol.substring(0, slash);
  }
}
