/**
 * The routing table compiled from a {@code MeshConfig} and the listeners bound for it: server
 * channels are bound and unbound by diff, the table is swapped with one reference write.
 */
package io.nodemesh.proxy.listener;
