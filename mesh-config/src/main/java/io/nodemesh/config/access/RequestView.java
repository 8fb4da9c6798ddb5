package io.nodemesh.config.access;

import io.nodemesh.config.http.PathCanonicalizer;
import io.nodemesh.config.http.RefusedTarget;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** What an HTTP match looks at: method, path and headers, whatever the HTTP library. */
public interface RequestView {
  /** Upper-case method. */
  String method();

  /** Origin-form path without the query. */
  String path();

  /** Every value of a header, by lower-case name; empty when absent. */
  List<String> headers(String lowerCaseName);

  /**
   * A request given by values (explain, tests); header names are compared case-insensitively. The
   * path is made canonical as the proxy makes it ({@link PathCanonicalizer}), so explain answers
   * for the path a rule would see; a path the proxy would refuse with 400 is kept as given.
   */
  static RequestView of(String method, String path, Map<String, List<String>> headers) {
    Map<String, List<String>> lower = new HashMap<>();
    if (headers != null) {
      headers.forEach(
          (k, v) ->
              lower.computeIfAbsent(k.toLowerCase(Locale.ROOT), x -> new ArrayList<>()).addAll(v));
    }
    String m = method == null || method.isBlank() ? "GET" : method.toUpperCase(Locale.ROOT);
    String given = path == null || path.isEmpty() ? "/" : path;
    String p;
    try {
      p = PathCanonicalizer.canonical(given);
    } catch (RefusedTarget e) {
      p = given;
    }
    int q = p.indexOf('?');
    String bare = q >= 0 ? p.substring(0, q) : p;
    return new RequestView() {
      @Override
      public String method() {
        return m;
      }

      @Override
      public String path() {
        return bare;
      }

      @Override
      public List<String> headers(String name) {
        return lower.getOrDefault(name, List.of());
      }
    };
  }
}
