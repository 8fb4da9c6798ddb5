package io.nodemesh.proxy.limits;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Requests in flight per backend Service (namespace and name), across all connections and event
 * loops of this proxy. The proxy has no queue of its own (each request gets a connection at once),
 * so this cap is what bounds the work one slow Service can pile up: one over it is refused with 503
 * immediately, like Envoy's {@code max_requests} circuit breaker.
 */
final class UpstreamLimiter {
  private final int max;
  private final Map<String, Map<String, AtomicInteger>> inFlight = new ConcurrentHashMap<>();

  UpstreamLimiter(int max) {
    this.max = max;
  }

  boolean tryAcquire(String namespace, String service) {
    AtomicInteger n = counter(namespace, service);
    if (n.incrementAndGet() > max) {
      n.decrementAndGet();
      return false;
    }
    return true;
  }

  void release(String namespace, String service) {
    counter(namespace, service).decrementAndGet();
  }

  int inFlight(String namespace, String service) {
    return counter(namespace, service).get();
  }

  private AtomicInteger counter(String namespace, String service) {
    Map<String, AtomicInteger> byService = inFlight.get(namespace);
    if (byService == null) {
      byService = inFlight.computeIfAbsent(namespace, k -> new ConcurrentHashMap<>());
    }
    AtomicInteger n = byService.get(service);
    return n != null ? n : byService.computeIfAbsent(service, k -> new AtomicInteger());
  }
}
