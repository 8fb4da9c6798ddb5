/**
 * Strict mode's network side (issue 14): one NetworkPolicy per strict namespace that admits only
 * the node proxies and what the namespace lists, so a direct call to a pod IP is refused by the
 * cluster's network. Desired state from the served config, then a minimal diff, leader only.
 */
package io.nodemesh.controller.strict;
