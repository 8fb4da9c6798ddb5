/**
 * The pure compilation of a topology into proxy configuration, with stable proxy port allocation.
 */
package io.nodemesh.controller.compile;
