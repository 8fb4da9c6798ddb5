package io.nodemesh.controller.common;

import io.nodemesh.config.HttpMatch;
import io.nodemesh.smi.HTTPMatch;
import io.nodemesh.smi.HTTPRouteGroup;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * An HTTPRouteGroup's matches as the proxy's {@link HttpMatch}es, named {@code group/match}. Both a
 * TrafficSplit's matches (compile) and a TrafficTarget's rules (access) read route groups, so the
 * translation lives below both.
 */
public final class HttpMatches {
  private HttpMatches() {}

  /** Header names lower-cased and methods upper-cased, as the proxy compares them. */
  public static List<HttpMatch> of(HTTPRouteGroup g) {
    List<HttpMatch> out = new ArrayList<>();
    List<HTTPMatch> ms = g.getSpec() == null ? null : g.getSpec().getMatches();
    for (HTTPMatch m : ms == null ? List.<HTTPMatch>of() : ms) {
      Map<String, String> headers = new TreeMap<>();
      if (m.getHeaders() != null) {
        m.getHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), v));
      }
      List<String> methods =
          m.getMethods() == null
              ? List.of()
              : m.getMethods().stream().map(x -> x.toUpperCase(Locale.ROOT)).toList();
      out.add(
          new HttpMatch(
              g.getMetadata().getName() + "/" + m.getName(), m.getPathRegex(), methods, headers));
    }
    return out;
  }
}
