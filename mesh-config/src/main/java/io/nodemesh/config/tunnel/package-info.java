/**
 * The node-to-node tunnel part of the configuration (issue 14): where each node's proxy listens for
 * tunnels, which node each meshed pod runs on, and the mTLS mode per namespace.
 */
package io.nodemesh.config.tunnel;
