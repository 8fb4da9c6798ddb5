/**
 * Route evaluation and balancing: compiled HTTPRouteGroup matches, smooth weighted round robin over
 * split backends, round robin over ready endpoints; all lock-free and per config.
 */
package io.nodemesh.proxy.balance;
