/**
 * The HTTP reverse proxy for HTTP/1.1 and HTTP/2 (each stream proxied like one HTTP/1.1 request),
 * upgrade tunnels, streaming with backpressure, header rewriting, the entry port's host routing,
 * and upstream connections by scheme: pooled HTTP/1.1, shared HTTP/2, TLS with ALPN.
 */
package io.nodemesh.proxy.http;
