/**
 * Limits and hostile-input defences of the HTTP data plane: connection and upstream caps, request
 * head and body read deadlines, framing checks, graceful drain, and the count of every rejection.
 */
package io.nodemesh.proxy.limits;
