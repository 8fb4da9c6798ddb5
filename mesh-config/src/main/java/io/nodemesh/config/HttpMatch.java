package io.nodemesh.config;

import java.util.List;
import java.util.Map;

/**
 * One HTTPRouteGroup match, compiled by the controller from SMI. All present conditions must hold
 * (AND); a route's list of matches is OR. Regexes are RE2 syntax within the bounds of {@link
 * TenantRegex}: a config carrying any other regex is refused as a whole, so a proxy never runs one.
 *
 * @param name the match's name in its HTTPRouteGroup ("group/match"), for explanations and logs
 * @param pathRegex regex anchored at the start of the path; null means any path
 * @param methods upper-case methods; empty or containing "*" means any method
 * @param headers header name (lower case) to a regex that must match the whole value
 */
public record HttpMatch(
    String name, String pathRegex, List<String> methods, Map<String, String> headers) {
  public HttpMatch {
    methods = methods == null ? List.of() : List.copyOf(methods);
    headers = headers == null ? Map.of() : Map.copyOf(headers);
    if (pathRegex != null) {
      check(name, "pathRegex", pathRegex);
    }
    headers.forEach((h, re) -> check(name, "headers." + h, re));
  }

  private static void check(String name, String field, String regex) {
    String problem = TenantRegex.problem(regex);
    if (problem != null) {
      throw new IllegalArgumentException("match " + name + ": " + field + " " + problem);
    }
  }
}
