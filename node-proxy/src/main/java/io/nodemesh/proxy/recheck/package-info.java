/**
 * Open connections checked again when a new config is in force: in ACL mode a tunnel or TCP relay
 * whose grant is gone, or whose listener was removed, is closed. {@link
 * io.nodemesh.proxy.recheck.ConfigApplied} is the event each open connection receives.
 */
package io.nodemesh.proxy.recheck;
