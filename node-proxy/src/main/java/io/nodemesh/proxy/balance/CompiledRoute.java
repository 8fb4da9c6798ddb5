package io.nodemesh.proxy.balance;

import io.netty.handler.codec.http.HttpHeaders;
import io.nodemesh.config.RouteConfig;
import java.util.List;

/**
 * A listener's {@link RouteConfig} ready for the request path: matches compiled, split weights
 * turned into a smooth weighted round robin, endpoints filtered to the ready ones. Its balancing
 * state lives and dies with the config it was compiled from.
 */
public final class CompiledRoute {
  private final String namespace;
  private final CompiledBackend root;
  private final List<CompiledBackend> split;
  private final List<CompiledMatch> matches;
  private final SmoothWeightedRoundRobin weights;

  public CompiledRoute(String namespace, RouteConfig config) {
    this.namespace = namespace;
    this.root = new CompiledBackend(config.root());
    this.split = config.split().stream().map(CompiledBackend::new).toList();
    this.matches = config.matches().stream().map(CompiledMatch::new).toList();
    this.weights =
        new SmoothWeightedRoundRobin(split.stream().mapToInt(CompiledBackend::weight).toArray());
  }

  /**
   * Picks a backend and an endpoint for one request.
   *
   * @param method upper-case method
   * @param path origin-form path, without query
   * @param headers request headers
   */
  public Pick pick(String method, String path, HttpHeaders headers) {
    return pick(!split.isEmpty() && splitApplies(method, path, headers));
  }

  /**
   * Picks a backend and an endpoint for one TCP connection: HTTP matches do not apply, so with
   * split backends every connection is split by weight, else it goes to the root.
   */
  public Pick pickConnection() {
    return pick(!split.isEmpty());
  }

  private Pick pick(boolean useSplit) {
    CompiledBackend backend = root;
    if (useSplit) {
      int i = weights.pick();
      if (i < 0) {
        return new Pick.Unavailable(
            "no backend with weight > 0 for service " + namespace + "/" + root.service());
      }
      backend = split.get(i);
    }
    Target target = backend.pick();
    if (target == null) {
      return new Pick.Unavailable(
          "no ready endpoint for service " + namespace + "/" + backend.service());
    }
    return new Pick.Forward(backend.service(), target);
  }

  private boolean splitApplies(String method, String path, HttpHeaders headers) {
    if (matches.isEmpty()) {
      return true;
    }
    for (CompiledMatch m : matches) {
      if (m.matches(method, path, headers)) {
        return true;
      }
    }
    return false;
  }
}
