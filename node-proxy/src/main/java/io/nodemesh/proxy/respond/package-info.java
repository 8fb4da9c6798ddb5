/**
 * Stage 7 of the HTTP request path, respond: the answers the proxy makes itself, one line of plain
 * text saying what went wrong ({@link io.nodemesh.proxy.respond.Responses}), for the admit stage's
 * refusals and the {@code limits} handlers alike. A backend's response is relayed by the upstream
 * stage's exchange. It imports no other stage.
 */
package io.nodemesh.proxy.respond;
