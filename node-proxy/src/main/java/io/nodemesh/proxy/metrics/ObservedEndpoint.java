package io.nodemesh.proxy.metrics;

/**
 * What a request's observation needs of the endpoint it went to: the {@code ip:port} that the
 * access log, the tap and the span name. The balancer's target is one; the interface keeps {@code
 * metrics} a leaf that the request path reports to, importing none of it.
 */
public interface ObservedEndpoint {
  /** {@code ip:port}, IPv6 bracketed. */
  String authority();
}
