package io.nodemesh.proxy.balance;

import io.netty.handler.codec.http.HttpHeaders;
import io.nodemesh.config.HttpMatch;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * An {@link HttpMatch} with its regexes compiled once per config. All present conditions must hold:
 * the path regex matches a prefix of the path ({@code lookingAt}), the method is listed (or "*" /
 * no list), and each named header has a value that the header regex matches in full.
 */
public final class CompiledMatch {
  private final String name;
  private final Pattern path;
  private final Set<String> methods;
  private final List<Map.Entry<String, Pattern>> headers;

  public CompiledMatch(HttpMatch match) {
    this.name = match.name();
    this.path = match.pathRegex() == null ? null : Pattern.compile(match.pathRegex());
    this.methods =
        match.methods().isEmpty() || match.methods().contains("*")
            ? null
            : Set.copyOf(match.methods());
    this.headers =
        match.headers().entrySet().stream()
            .map(e -> Map.entry(e.getKey(), Pattern.compile(e.getValue())))
            .toList();
  }

  public String name() {
    return name;
  }

  /**
   * @param method the request method, upper case
   * @param requestPath the origin-form path without query
   * @param requestHeaders the request headers (names compared case-insensitively)
   */
  public boolean matches(String method, String requestPath, HttpHeaders requestHeaders) {
    if (methods != null && !methods.contains(method)) {
      return false;
    }
    if (path != null && !path.matcher(requestPath).lookingAt()) {
      return false;
    }
    for (Map.Entry<String, Pattern> h : headers) {
      if (!anyValueMatches(requestHeaders.getAll(h.getKey()), h.getValue())) {
        return false;
      }
    }
    return true;
  }

  private static boolean anyValueMatches(List<String> values, Pattern regex) {
    for (String v : values) {
      if (regex.matcher(v).matches()) {
        return true;
      }
    }
    return false;
  }
}
