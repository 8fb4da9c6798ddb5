package io.nodemesh.cli.traffic;

import com.fasterxml.jackson.databind.JsonNode;

/** One tapped request as a terminal line, in the order a reader scans it. */
public final class TapLine {
  private TapLine() {}

  /**
   * {@code 12:00:01.234 shop/web:80 GET /cart 200 3.1ms src=10.0.0.7:5123 id=shop/frontend
   * backend=web 10.0.1.9:8080}; unknown parts as {@code -}.
   */
  public static String format(JsonNode n) {
    String time = n.path("time").asText("-");
    int t = time.indexOf('T');
    if (t >= 0 && time.endsWith("Z")) {
      time = time.substring(t + 1, time.length() - 1);
    }
    String dest =
        n.has("service")
            ? n.path("namespace").asText()
                + "/"
                + n.path("service").asText()
                + ":"
                + n.path("port").asInt()
            : "-";
    return time
        + " "
        + dest
        + " "
        + text(n, "method")
        + " "
        + text(n, "path")
        + " "
        + n.path("status").asInt()
        + " "
        + String.format("%.1fms", n.path("latency_ms").asDouble())
        + " src="
        + text(n, "source")
        + " id="
        + text(n, "source_identity")
        + " backend="
        + text(n, "backend")
        + " "
        + text(n, "endpoint");
  }

  private static String text(JsonNode n, String field) {
    return n.hasNonNull(field) ? sanitize(n.get(field).asText()) : "-";
  }

  /** Paths come from clients: no control characters reach the terminal. */
  private static String sanitize(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      b.append(c < 0x20 || c == 0x7f ? '?' : c);
    }
    return b.toString();
  }
}
