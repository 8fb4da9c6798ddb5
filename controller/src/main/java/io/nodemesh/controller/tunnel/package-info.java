/**
 * The tunnel part of the served config (issue 14): each namespace's mTLS mode, where each node's
 * proxy takes tunnels, and which node and ServiceAccount each pod has. Computed from the pods the
 * controller already watches, after the main compilation, so the compiler itself is unchanged.
 */
package io.nodemesh.controller.tunnel;
