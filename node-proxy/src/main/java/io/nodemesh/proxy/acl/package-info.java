/**
 * ACL mode in the data plane: the per-listener guard that asks the shared access evaluator about
 * each request, connection and datagram, counts denials by reason, and turns the peer address
 * (never a header) into the caller's identity.
 */
package io.nodemesh.proxy.acl;
