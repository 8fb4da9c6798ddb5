package io.nodemesh.proxy.metrics;

import io.nodemesh.config.ListenerConfig;

/**
 * What a request's observation needs of the listener it was routed to: the config that names it
 * (labels, access log, tap, span) and the meters resolved for it. The compiled listener is one; the
 * interface keeps {@code metrics} a leaf that the request path reports to, importing none of it.
 */
public interface ObservedListener {
  ListenerConfig config();

  ListenerMetrics metrics();
}
