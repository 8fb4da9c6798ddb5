/**
 * The TCP proxy: a connection accepted on a TCP listener's proxy port is routed once, at accept, to
 * a backend Service picked by the split weights (HTTP matches do not apply) and one of its ready
 * endpoints, then bytes are relayed both ways with backpressure and half-close.
 */
package io.nodemesh.proxy.tcp;
