/**
 * The admin server (Helidon SE): ping, readiness, Prometheus metrics and the configuration in
 * force, on its own port.
 */
package io.nodemesh.proxy.admin;
