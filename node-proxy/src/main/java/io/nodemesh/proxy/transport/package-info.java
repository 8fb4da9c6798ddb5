/**
 * Netty transport selection: native epoll when it loads, NIO otherwise, one event loop group,
 * pooled direct buffers.
 */
package io.nodemesh.proxy.transport;
