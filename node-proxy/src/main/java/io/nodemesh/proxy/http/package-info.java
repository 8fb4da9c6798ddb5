/**
 * The HTTP/1.1 reverse proxy: downstream and upstream pipelines, streaming with backpressure,
 * header rewriting, the entry port's host routing and pooled keep-alive upstream connections.
 */
package io.nodemesh.proxy.http;
