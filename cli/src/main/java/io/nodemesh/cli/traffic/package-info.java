/**
 * What {@code nodemesh tap} and {@code nodemesh top} show: tap lines rendered for a terminal, and
 * the per-Service table computed from two scrapes of a proxy's {@code /metrics}.
 */
package io.nodemesh.cli.traffic;
