/**
 * Access control (ACL mode) as the controller compiles it and the proxy enforces it: who is who
 * (pod IP to service account), what each listener's TrafficTargets grant, and the one evaluator
 * both ends use, so {@code nodemesh explain} cannot disagree with the proxy.
 */
@NullMarked
package io.nodemesh.config.access;

import org.jspecify.annotations.NullMarked;
