/**
 * Netty transport selection: native epoll when it loads, NIO otherwise, one event loop group,
 * pooled direct buffers; and the relay step with backpressure that every opaque byte relay shares
 * ({@link io.nodemesh.proxy.transport.ByteRelay}).
 */
package io.nodemesh.proxy.transport;
