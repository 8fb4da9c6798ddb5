/**
 * The node proxy: {@link io.nodemesh.proxy.NodeProxy} wires transport, listeners, config client and
 * admin server; {@link io.nodemesh.proxy.ProxyOptions} is what the CLI passes in.
 */
package io.nodemesh.proxy;
