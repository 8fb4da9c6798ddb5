/**
 * The configuration contract between the controller and the node proxies: immutable records,
 * serialised as JSON by {@link io.nodemesh.config.MeshConfigJson}. The proxy depends on this module
 * only, never on the controller.
 */
@NullMarked
package io.nodemesh.config;

import org.jspecify.annotations.NullMarked;
