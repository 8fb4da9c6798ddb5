package io.nodemesh.controller.api;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * {@code GET /ui/}: the mesh page (issue 18), three static files from the class path: plain HTML,
 * one script and one style sheet, no framework. The files hold no data, so they are served to
 * everyone; the page reads {@code ../api/v1/traffic} and {@code ../api/v1/problems}, which check
 * the caller as the API does. Links are relative so that the page also works through the API
 * server's service proxy ({@code kubectl proxy}). The Content-Security-Policy allows scripts,
 * styles and requests from this origin only: the page shows names tenants chose, and nothing they
 * write can run.
 */
public final class UiPage {
  public static final String PATH = "/ui/";

  private static final String CSP =
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
          + " connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  private static final Map<String, String> FILES =
      Map.of(
          "index.html", "text/html; charset=utf-8",
          "app.js", "text/javascript; charset=utf-8",
          "app.css", "text/css; charset=utf-8");

  private static final Map<String, byte[]> BODIES = load();

  private UiPage() {}

  private static Map<String, byte[]> load() {
    java.util.HashMap<String, byte[]> out = new java.util.HashMap<>();
    for (String name : FILES.keySet()) {
      try (InputStream in =
          UiPage.class.getResourceAsStream("/io/nodemesh/controller/ui/" + name)) {
        if (in == null) {
          throw new IllegalStateException("the ui file " + name + " is missing from the jar");
        }
        out.put(name, in.readAllBytes());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return Map.copyOf(out);
  }

  public static void routing(HttpRouting.Builder rules) {
    rules
        .get(
            "/ui",
            (req, res) ->
                // Relative, so it stays under a proxy's prefix (RFC 9110 section 10.2.2).
                res.status(Status.MOVED_PERMANENTLY_301).header(HeaderNames.LOCATION, "ui/").send())
        .get(PATH, (req, res) -> file(res, "index.html"))
        .get(PATH + "{file}", (req, res) -> file(res, req.path().pathParameters().get("file")));
  }

  private static void file(ServerResponse res, String name) {
    byte[] body = BODIES.get(name);
    if (body == null) {
      res.status(Status.NOT_FOUND_404).send();
      return;
    }
    res.header(HeaderNames.CONTENT_TYPE, FILES.get(name));
    res.header(HeaderNames.create("Content-Security-Policy"), CSP);
    res.header(HeaderNames.create("X-Content-Type-Options"), "nosniff");
    res.header(HeaderNames.create("Referrer-Policy"), "no-referrer");
    res.header(HeaderNames.CACHE_CONTROL, "no-cache");
    res.send(body);
  }
}
