/**
 * Netty transport selection: native epoll when it loads, NIO otherwise, one event loop group,
 * pooled direct buffers; and the relay step with backpressure that every opaque byte relay shares
 * ({@link io.nodemesh.proxy.transport.ByteRelay}). Also the two pieces every HTTP/2 stream without
 * a channel shares, client side (decode) and backend side (upstream) alike: the one-frame-per-read
 * loop that gives bytes back to the peer's window ({@link
 * io.nodemesh.proxy.transport.Http2StreamInbound}) and the frame/HTTP object conversion ({@link
 * io.nodemesh.proxy.transport.Http2Messages}).
 */
package io.nodemesh.proxy.transport;
