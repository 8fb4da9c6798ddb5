/**
 * The traffic report: every few seconds the proxy sends the controller what it counted since its
 * last report (requests, latencies, denials) and its own RSS and CPU, for the controller's page.
 */
package io.nodemesh.proxy.report;
