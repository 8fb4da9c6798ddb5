package io.nodemesh.config.wire;

/**
 * The HTTP contract between the controller's config API and the node proxies' config client
 * (docs/architecture.md, "The controller↔proxy contract"). The controller serves these names and
 * the proxy sends them; both import them from here so that neither can drift alone.
 */
public final class ConfigWire {
  private ConfigWire() {}

  /** The config endpoint: the whole config or a delta, long-polled with {@code If-None-Match}. */
  public static final String CONFIG_PATH = "/api/v1/config";

  /** Query parameter: how long (seconds) the controller may hold a poll for a newer version. */
  public static final String WAIT_PARAM = "wait";

  /** Query parameter: the version the proxy holds, so the controller may answer with a delta. */
  public static final String SINCE_PARAM = "since";

  /** The request header that names the node a proxy's poll comes from. */
  public static final String NODE_HEADER = "X-Nodemesh-Node";

  /**
   * The request header that carries the caller's token when the request comes through the API
   * server's service proxy, which keeps {@code Authorization} for itself.
   */
  public static final String FORWARDED_AUTHORIZATION_HEADER = "X-Nodemesh-Authorization";

  /** The media type of a whole config body. */
  public static final String FULL_CONTENT_TYPE = "application/json";

  /** The media type of a {@link io.nodemesh.config.MeshConfigDelta} body. */
  public static final String DELTA_CONTENT_TYPE = "application/vnd.nodemesh.config-delta+json";
}
