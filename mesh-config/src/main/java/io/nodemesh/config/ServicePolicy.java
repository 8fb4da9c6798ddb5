package io.nodemesh.config;

/**
 * How the proxy treats one meshed Service port: the values of its {@code nodemesh.io/*}
 * annotations after parsing, with the documented defaults filled in.
 *
 * @param scheme the protocol spoken to the Service's endpoints
 */
public record ServicePolicy(Scheme scheme) {
  private static final ServicePolicy DEFAULTS = new ServicePolicy(Scheme.HTTP);

  public ServicePolicy {
    scheme = scheme == null ? Scheme.HTTP : scheme;
  }

  /** The policy of a Service that carries no annotations. */
  public static ServicePolicy defaults() {
    return DEFAULTS;
  }
}
