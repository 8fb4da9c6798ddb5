/** Immutable snapshots of the meshed cluster, rebuilt (debounced) when the source changes. */
package io.nodemesh.controller.topology;
