/**
 * The admin server: ping, readiness, Prometheus metrics, the configuration in force and live taps,
 * on its own port, served by a small HTTP/1.1 server on the proxy's own Netty.
 */
package io.nodemesh.proxy.admin;
