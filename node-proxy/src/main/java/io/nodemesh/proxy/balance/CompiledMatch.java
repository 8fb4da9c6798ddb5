package io.nodemesh.proxy.balance;

import io.netty.handler.codec.http.HttpHeaders;
import io.nodemesh.config.HttpMatch;
import io.nodemesh.config.access.HttpMatcher;
import io.nodemesh.config.access.RequestView;
import java.util.List;

/**
 * An {@link HttpMatch} with its regexes compiled once per config, for TrafficSplit matches. The
 * semantics are the access evaluator's ({@link HttpMatcher}), so a split and a TrafficTarget read
 * one HTTPRouteGroup match the same way.
 */
public final class CompiledMatch {
  private final HttpMatcher matcher;

  public CompiledMatch(HttpMatch match) {
    this.matcher = new HttpMatcher(match);
  }

  public String name() {
    return matcher.match().name();
  }

  /**
   * @param method the request method, upper case
   * @param requestPath the origin-form path without query
   * @param requestHeaders the request headers (names compared case-insensitively)
   */
  public boolean matches(String method, String requestPath, HttpHeaders requestHeaders) {
    return matcher.matches(new View(method, requestPath, requestHeaders));
  }

  private record View(String method, String path, HttpHeaders requestHeaders)
      implements RequestView {
    @Override
    public List<String> headers(String name) {
      return requestHeaders.getAll(name);
    }
  }
}
