/**
 * The workload certificates a node proxy holds (issue 14): keys made here, certificates asked of
 * the controller's CA for the ServiceAccounts with pods on this node, kept in memory, renewed at
 * half life, and offered to the node-to-node tunnel through {@link
 * io.nodemesh.proxy.identity.WorkloadIdentities}.
 */
package io.nodemesh.proxy.identity;
