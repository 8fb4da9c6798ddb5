/**
 * The names both sides of a Nodemesh contract must spell the same way: the config API's path, query
 * parameters, headers and media types ({@link io.nodemesh.config.wire.ConfigWire}), and the labels
 * the controller puts on shadow Services that the mesh DNS server and {@code check} read back
 * ({@link io.nodemesh.config.wire.ShadowLabels}). Constants only; imports nothing.
 */
@NullMarked
package io.nodemesh.config.wire;

import org.jspecify.annotations.NullMarked;
