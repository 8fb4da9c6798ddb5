/**
 * The pure compilation of a topology into proxy configuration, with stable proxy port allocation
 * and each Service's {@code nodemesh.io/*} annotations read into its listeners' policy.
 */
package io.nodemesh.controller.compile;
