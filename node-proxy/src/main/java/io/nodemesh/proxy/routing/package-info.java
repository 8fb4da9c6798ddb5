/**
 * Stage 4 of the HTTP request path, route: which listener a request is for (by proxy port, or by
 * {@code Host} on the entry port) and the request target's forms; then, once the admit stage has
 * let the request in, the Gateway API rule or the TrafficSplit that picks the backend ({@link
 * io.nodemesh.proxy.routing.Router}). The decision is a {@link io.nodemesh.proxy.routing.Route}.
 * The compiled rules it evaluates live in {@code route}, the pick among backends and endpoints in
 * {@code balance}.
 */
package io.nodemesh.proxy.routing;
