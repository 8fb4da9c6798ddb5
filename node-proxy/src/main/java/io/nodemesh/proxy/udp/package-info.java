/**
 * The UDP proxy: a datagram channel per UDP listener; the first datagram from a client address
 * opens a session that picks a backend Service by the split weights (HTTP matches do not apply) and
 * one of its ready endpoints, with a connected upstream datagram channel on the same event loop.
 * Datagrams are relayed one for one both ways until the session has been idle for the idle timeout.
 */
package io.nodemesh.proxy.udp;
