/**
 * Workload identity as both ends of the wire see it (issue 14): the SPIFFE ID of a ServiceAccount
 * and the certificate request and answer that a node proxy and the controller's CA exchange.
 */
package io.nodemesh.config.identity;
