/**
 * The node-to-node tunnel (issue 14): mTLS HTTP/2 connections between node proxies, keyed by
 * (source service account, destination node, destination service account); the caller side that
 * opens streams on them, and the destination side that verifies the peer, decides, and relays only
 * to meshed pods of its own node.
 */
package io.nodemesh.proxy.tunnel;
