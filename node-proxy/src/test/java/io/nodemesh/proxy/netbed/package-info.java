/**
 * The multi-node test bed: nodes as network namespaces on a bridge, pods as addresses and processes
 * in them, nftables as kube-proxy (issue 14).
 */
package io.nodemesh.proxy.netbed;
