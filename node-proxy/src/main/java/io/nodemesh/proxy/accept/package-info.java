/**
 * Stage 1 of the HTTP request path, accept: the pipeline of a new downstream connection, on a
 * service listener or the entry port ({@link io.nodemesh.proxy.accept.HttpProxyInitializer}, which
 * lists every handler in order), and the drain of a connection whose listener a new config removed
 * in ACL mode ({@link io.nodemesh.proxy.accept.ListenerWatch}). The stages after it: {@code
 * decode}, {@code admit}, {@code routing}, {@code balance}, {@code upstream}, {@code respond}.
 */
package io.nodemesh.proxy.accept;
