/**
 * Benchmarks: JMH micro-benchmarks of the proxy's and controller's hot paths, the controller scale
 * benchmark and the config propagation benchmark, with the synthetic meshes they run on.
 */
package io.nodemesh.bench;
