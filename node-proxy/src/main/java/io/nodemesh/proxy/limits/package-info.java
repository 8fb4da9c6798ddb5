/**
 * Limits and hostile-input defences of the HTTP data plane: connection and upstream caps, request
 * head and body read deadlines, framing checks, graceful drain, the count of every rejection, and
 * the one-line answers the proxy makes itself ({@link io.nodemesh.proxy.limits.Responses}). It sits
 * below {@code http} (the admit stage under the decode stage) and imports nothing of it.
 */
package io.nodemesh.proxy.limits;
