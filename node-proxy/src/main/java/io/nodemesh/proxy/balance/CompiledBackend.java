package io.nodemesh.proxy.balance;

import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** A backend Service with its ready endpoints, picked by plain round robin. */
public final class CompiledBackend {
  private final String service;
  private final int weight;
  private final Target[] ready;
  private final AtomicInteger next = new AtomicInteger();

  public CompiledBackend(BackendConfig config) {
    this.service = config.service();
    this.weight = config.weight();
    // Only "ready" endpoints: a serving-but-not-ready pod is on its way out or not warmed up yet.
    List<EndpointConfig> readyOnes =
        config.endpoints().stream().filter(EndpointConfig::ready).toList();
    this.ready = readyOnes.stream().map(Target::of).toArray(Target[]::new);
  }

  public String service() {
    return service;
  }

  public int weight() {
    return weight;
  }

  /** The next ready endpoint, or null when there is none. */
  public Target pick() {
    Target[] r = ready;
    if (r.length == 0) {
      return null;
    }
    return r[Math.floorMod(next.getAndIncrement(), r.length)];
  }

  public int readyCount() {
    return ready.length;
  }
}
