/**
 * The mesh DNS server ({@code nodemesh dns}): answers {@code NAME.NAMESPACE.<domain>} with the
 * ClusterIP of that Service's shadow Service, read from the shadow Services themselves.
 */
package io.nodemesh.dns.server;
