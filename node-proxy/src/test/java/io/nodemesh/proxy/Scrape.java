package io.nodemesh.proxy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.Map;

/** The proxy's /metrics, parsed into series (name with labels, as printed) and values. */
public record Scrape(Map<String, Double> series) {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  /** The body of a GET of {@code path} on {@code proxy}'s admin port. */
  static String admin(NodeProxy proxy, String path)
      throws java.io.IOException, InterruptedException {
    return HTTP.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.adminPort() + path))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  static Scrape of(NodeProxy proxy) {
    try {
      return parse(admin(proxy, "/metrics"));
    } catch (Exception e) {
      throw new IllegalStateException("scrape failed: " + e, e);
    }
  }

  public static Scrape parse(String text) {
    Map<String, Double> m = new LinkedHashMap<>();
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int sp = line.lastIndexOf(' ');
      m.put(line.substring(0, sp), Double.parseDouble(line.substring(sp + 1)));
    }
    return new Scrape(m);
  }

  /** Series whose name starts with {@code nodemesh_}. */
  long meshSeries() {
    return series.keySet().stream().filter(k -> k.startsWith("nodemesh_")).count();
  }

  /** The sum of every series of {@code name} whose labels include all of {@code labels}. */
  public double sum(String name, String... labels) {
    double total = 0;
    for (var e : series.entrySet()) {
      String k = e.getKey();
      if (!(k.equals(name) || k.startsWith(name + "{"))) {
        continue;
      }
      boolean all = true;
      for (String l : labels) {
        all &= k.contains(l.contains("=") ? l.replaceFirst("=(.*)$", "=\"$1\"") : l);
      }
      if (all) {
        total += e.getValue();
      }
    }
    return total;
  }
}
