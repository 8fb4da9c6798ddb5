/**
 * Limits and hostile-input defences of the HTTP data plane, the checks of the admit stage that run
 * as pipeline handlers: connection and upstream caps, request head and body read deadlines, framing
 * checks, graceful drain, and the count of every rejection. The admit stage ({@code admit}) asks it
 * for the in-flight slot and counts its refusals here; the answers are {@link
 * io.nodemesh.proxy.respond.Responses}. It imports no stage above it.
 */
package io.nodemesh.proxy.limits;
