/**
 * The routing table compiled from a {@code MeshConfig} and the listeners bound for it: a config is
 * applied by a pure compile to an immutable table and a commit to the one {@code RoutingState},
 * which carries the state that outlives tables and swaps the table with one reference write; server
 * channels are bound and unbound by diff.
 */
package io.nodemesh.proxy.listener;
