package io.nodemesh.proxy.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.MeshConfigJson;

/**
 * The admin endpoints: {@code /ping}, {@code /ready}, {@code /metrics}, {@code /config}, {@code
 * /tap}.
 */
public final class AdminServer {
  private AdminServer() {}

  /**
   * Starts the admin server on {@code host:port} (0 = ephemeral).
   *
   * @throws IllegalStateException when the port cannot be bound (Helidon only logs that and returns
   *     a stopped server, which would leave the proxy without probes)
   */
  public static WebServer start(String host, int port, AdminView view) {
    WebServer server =
        WebServer.builder()
            .host(host)
            .port(port)
            .shutdownHook(false)
            .routing(r -> routing(r, view))
            .build()
            .start();
    if (!server.isRunning()) {
      throw new IllegalStateException(
          "admin server: cannot listen on " + host + ":" + port + " (port in use?)");
    }
    return server;
  }

  /** Registers the admin routes (tests call this directly). */
  public static void routing(HttpRouting.Builder routing, AdminView view) {
    routing
        .get("/ping", (req, res) -> res.header(HeaderValues.CONTENT_TYPE_TEXT_PLAIN).send("pong"))
        .get(
            "/ready",
            (req, res) -> {
              MeshConfig c = view.config();
              res.header(HeaderValues.CONTENT_TYPE_TEXT_PLAIN);
              if (c == null) {
                res.status(Status.SERVICE_UNAVAILABLE_503).send("no config applied yet");
              } else {
                res.send("ready, config version " + c.version());
              }
            })
        .get(
            "/metrics",
            (req, res) ->
                res.header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                    .send(view.scrape()))
        .get(
            "/config",
            (req, res) -> res.header(HeaderValues.CONTENT_TYPE_JSON).send(configJson(view)))
        .get("/tap", (req, res) -> TapEndpoint.handle(req, res, view.taps(), view.tapGrants()));
  }

  /**
   * {@code {"version":N,"listeners":[{"namespace","service","port","protocol","proxyPort",
   * "bound","split"}...]}}; version -1 and no listeners before the first config.
   */
  public static String configJson(AdminView view) {
    MeshConfig c = view.config();
    ObjectNode root = MeshConfigJson.mapper().createObjectNode();
    root.put("version", c == null ? -1 : c.version());
    ArrayNode listeners = root.putArray("listeners");
    if (c != null) {
      for (ListenerConfig l : c.listeners()) {
        ObjectNode n = listeners.addObject();
        n.put("namespace", l.namespace());
        n.put("service", l.service());
        n.put("port", l.port());
        n.put("protocol", l.protocol().wireName());
        n.put("proxyPort", l.proxyPort());
        n.put("bound", view.isBound(l.proxyPort()));
        if (l.route().splitName() != null) {
          n.put("split", l.route().splitName());
        }
      }
    }
    return root.toString();
  }
}
