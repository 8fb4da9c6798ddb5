/**
 * Proxy metrics (Micrometer, Prometheus names prefixed {@code nodemesh_}); meters are resolved when
 * a config is compiled so the request path only increments.
 */
package io.nodemesh.proxy.metrics;
