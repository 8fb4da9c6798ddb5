package io.nodemesh.proxy.admin;

import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A request target as the admin routes see it: the path percent-decoded, with empty and dot
 * segments removed (RFC 3986 section 5.2.4; so {@code //ping} and {@code /a/../ping} are {@code
 * /ping}, as Helidon served them), and the query raw and decoded.
 *
 * @param path the normalised path, starting with {@code /}
 * @param rawQuery the query as sent, "" when there is none
 */
record AdminTarget(String path, String rawQuery) {
  /** Query parameters the decoder keeps: far more than any admin request has. */
  private static final int MAX_PARAMS = 64;

  /**
   * Parses origin-form ({@code /path?query}) and absolute-form ({@code http://host/path?query},
   * which a server must accept, RFC 9112 section 3.2.2) targets.
   *
   * @return null when the target is neither, or its path is not valid percent-encoding
   */
  static AdminTarget parse(String uri) {
    String target = uri;
    if (!target.startsWith("/")) {
      int scheme = target.indexOf("://");
      if (scheme <= 0) {
        return null;
      }
      int slash = target.indexOf('/', scheme + 3);
      int query = target.indexOf('?', scheme + 3);
      if (slash < 0 || (query >= 0 && query < slash)) {
        target = "/" + (query < 0 ? "" : target.substring(query));
      } else {
        target = target.substring(slash);
      }
    }
    try {
      QueryStringDecoder d = QueryStringDecoder.builder().maxParams(MAX_PARAMS).build(target);
      return new AdminTarget(normalise(d.path()), d.rawQuery());
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /**
   * The first value of each decoded query parameter.
   *
   * @throws IllegalArgumentException when the query is not valid percent-encoding
   */
  Map<String, String> firstValues() {
    // Percent-decoding only: "+" stays "+" and ";" separates nothing, as Helidon read the query.
    Map<String, List<String>> all =
        QueryStringDecoder.builder()
            .hasPath(false)
            .maxParams(MAX_PARAMS)
            .htmlQueryDecoding(false)
            .semicolonIsNormalChar(true)
            .build(rawQuery)
            .parameters();
    Map<String, String> first = new HashMap<>();
    all.forEach((name, values) -> first.put(name, values.isEmpty() ? null : values.get(0)));
    return first;
  }

  /** Removes empty, {@code .} and {@code ..} segments; keeps a trailing slash. Linear time. */
  static String normalise(String path) {
    List<String> out = new ArrayList<>();
    for (String segment : path.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".")) {
        continue;
      }
      if (segment.equals("..")) {
        if (!out.isEmpty()) {
          out.remove(out.size() - 1);
        }
        continue;
      }
      out.add(segment);
    }
    String joined = "/" + String.join("/", out);
    boolean trailing = path.endsWith("/") || path.endsWith("/.") || path.endsWith("/..");
    return trailing && !out.isEmpty() ? joined + "/" : joined;
  }
}
