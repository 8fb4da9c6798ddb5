package io.nodemesh.proxy.balance;

import io.nodemesh.config.ServicePolicy.LbPolicy;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Picks one endpoint among candidates that are all usable (ready, not ejected). One instance per
 * backend per config; thread-safe and lock-free.
 */
sealed interface Balancer {
  /**
   * @param candidates at least one
   * @param now {@link System#nanoTime()}
   */
  EndpointState choose(EndpointState[] candidates, long now);

  static Balancer of(LbPolicy policy) {
    return switch (policy) {
      // The ring is consulted first by the backend; without a hash key requests go round robin.
      case ROUND_ROBIN, CONSISTENT_HASH -> new RoundRobin();
      case RANDOM -> new Random();
      case LEAST_REQUEST -> new LeastRequest();
      case EWMA -> new PeakEwma();
    };
  }

  /** In turn. */
  final class RoundRobin implements Balancer {
    private final AtomicInteger next = new AtomicInteger();

    @Override
    public EndpointState choose(EndpointState[] candidates, long now) {
      return candidates[Math.floorMod(next.getAndIncrement(), candidates.length)];
    }
  }

  /** Uniformly at random. */
  final class Random implements Balancer {
    @Override
    public EndpointState choose(EndpointState[] candidates, long now) {
      return candidates[ThreadLocalRandom.current().nextInt(candidates.length)];
    }
  }

  /**
   * Power of two choices: two distinct endpoints at random, the one with fewer requests in flight
   * wins (Mitzenmacher; what Envoy's least-request does with equal weights).
   */
  final class LeastRequest implements Balancer {
    @Override
    public EndpointState choose(EndpointState[] candidates, long now) {
      if (candidates.length == 1) {
        return candidates[0];
      }
      EndpointState[] two = two(candidates);
      return two[1].outstanding() < two[0].outstanding() ? two[1] : two[0];
    }
  }

  /**
   * Power of two choices on peak EWMA latency times requests in flight (Finagle's and Linkerd's
   * latency-aware balancer): a slow or overloaded endpoint gets less traffic.
   */
  final class PeakEwma implements Balancer {
    @Override
    public EndpointState choose(EndpointState[] candidates, long now) {
      if (candidates.length == 1) {
        return candidates[0];
      }
      EndpointState[] two = two(candidates);
      return two[1].ewmaScore(now) < two[0].ewmaScore(now) ? two[1] : two[0];
    }
  }

  private static EndpointState[] two(EndpointState[] c) {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    int a = r.nextInt(c.length);
    int b = r.nextInt(c.length - 1);
    if (b >= a) {
      b++;
    }
    return new EndpointState[] {c[a], c[b]};
  }
}
