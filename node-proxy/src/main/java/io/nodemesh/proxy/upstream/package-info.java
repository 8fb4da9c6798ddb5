/**
 * Stage 6 of the HTTP request path, upstream: one {@link io.nodemesh.proxy.upstream.Exchange} per
 * forwarded request, streamed with backpressure to the endpoint the balance stage picked: pooled
 * HTTP/1.1, shared HTTP/2, TLS with ALPN, or a node-to-node tunnel's CONNECT stream ({@link
 * io.nodemesh.proxy.upstream.UpstreamRelay}); header rewriting, retries and deadlines, upgrade
 * tunnels and mirror copies. It relays the backend's response back to the client, and reports to
 * its {@link io.nodemesh.proxy.upstream.Downstream} without importing the stages above it.
 */
package io.nodemesh.proxy.upstream;
