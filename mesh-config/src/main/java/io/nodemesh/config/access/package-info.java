/**
 * Access control (ACL mode) as the proxy enforces it: the one evaluator ({@link
 * io.nodemesh.config.access.AccessPolicy}) that controller and proxy both run over the contract's
 * access part ({@link io.nodemesh.config.AccessConfig}: who is who, what each listener's
 * TrafficTargets grant), so {@code nodemesh explain} cannot disagree with the proxy. The records
 * live in the root package with the rest of the contract; this package reads them and the root
 * never imports it.
 */
@NullMarked
package io.nodemesh.config.access;

import org.jspecify.annotations.NullMarked;
