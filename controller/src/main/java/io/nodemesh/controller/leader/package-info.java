/** Leader election on a Lease: only the leader writes shadow Services and Events. */
package io.nodemesh.controller.leader;
