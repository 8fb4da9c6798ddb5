/**
 * The controller's shared vocabulary: problem reports, port ranges, IP literals and route-group
 * matches. Every other package may import it; it imports none of them (ArchitectureTest).
 */
package io.nodemesh.controller.common;
