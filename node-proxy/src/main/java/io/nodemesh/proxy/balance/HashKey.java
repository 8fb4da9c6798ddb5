package io.nodemesh.proxy.balance;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import io.nodemesh.config.ServicePolicy;
import java.net.InetAddress;
import java.util.OptionalLong;

/** Extracts the consistent-hash key of a request or connection, as {@code lb-hash-key} says. */
final class HashKey {
  private HashKey() {}

  /**
   * @param headers request headers, or null for a TCP connection
   * @param source the client's address, or null when unknown
   * @return the key's hash, or empty when the request has no such key
   */
  static OptionalLong of(ServicePolicy.Balancing b, HttpHeaders headers, InetAddress source) {
    return switch (b.hashOn()) {
      case SOURCE_IP ->
          source == null
              ? OptionalLong.empty()
              : OptionalLong.of(HashRing.hash(source.getAddress()));
      case HEADER -> {
        String v = headers == null ? null : headers.get(b.hashName());
        yield v == null ? OptionalLong.empty() : OptionalLong.of(HashRing.hash(v));
      }
      case COOKIE -> {
        if (headers == null) {
          yield OptionalLong.empty();
        }
        for (String header : headers.getAll(HttpHeaderNames.COOKIE)) {
          for (Cookie c : ServerCookieDecoder.LAX.decodeAll(header)) {
            if (c.name().equals(b.hashName())) {
              yield OptionalLong.of(HashRing.hash(c.value()));
            }
          }
        }
        yield OptionalLong.empty();
      }
    };
  }
}
